import Testing
import Foundation
@testable import Eventax

@Suite struct LossTests {
    @Test("Spike-time MSE and softmax cross-entropy derivatives match finite differences")
    func mseAndSoftmax() {
        let t: [Double?] = [12.5, nil, 7.25]
        let target = [10.0, 20.0, 8.0]
        let (_, ct) = spikeTimeMSE(t, target: target, tmax: 30)
        for k in [0, 2] {
            var p = t, m = t
            p[k] = t[k]! + 1e-6; m[k] = t[k]! - 1e-6
            let fd = (spikeTimeMSE(p, target: target, tmax: 30).loss - spikeTimeMSE(m, target: target, tmax: 30).loss) / 2e-6
            #expect(abs(fd - ct[k]) < 1e-7)
        }
        #expect(ct[1] == 0)
        let z = [0.3, -1.2, 2.0]
        let (_, g) = softmaxCrossEntropy(logits: z, label: 1)
        for k in 0..<3 {
            var p = z, m = z
            p[k] += 1e-6; m[k] -= 1e-6
            let fd = (softmaxCrossEntropy(logits: p, label: 1).loss - softmaxCrossEntropy(logits: m, label: 1).loss) / 2e-6
            #expect(abs(fd - g[k]) < 1e-7)
        }
    }

    @Test("TTFS cross-entropy cotangent matches finite differences of the loss", arguments: TTFSCrossEntropy.Regularizer.allCases)
    func ttfsLossDerivative(regularizer: TTFSCrossEntropy.Regularizer) {
        let loss = TTFSCrossEntropy(regularizer: regularizer)
        let t: [Double?] = [12.5, 14.25, nil]
        let (_, ct) = loss.lossAndCotangent(ttfs: t, label: 1, tmax: 30)
        for k in 0..<2 {
            var p = t, m = t
            p[k] = t[k]! + 1e-6; m[k] = t[k]! - 1e-6
            let fd = (loss.lossAndCotangent(ttfs: p, label: 1, tmax: 30).loss - loss.lossAndCotangent(ttfs: m, label: 1, tmax: 30).loss) / 2e-6
            #expect(abs(fd - ct[k]) < 1e-7 * max(1, abs(ct[k])))
        }
        #expect(ct[2] == 0)
    }

    @Test("The notebook form of the TTFS loss is −log(p_target + α(e^{t_target/τ1} − 1))")
    func ttfsInLogValue() {
        // Independent arithmetic: spike times 10 and 12 ms, target 1, τ0 0.5, τ1 6.4, α 3e-3.
        let p1 = 1 / (1 + Foundation.exp((12.0 - 10.0) / 0.5))
        let expected = -Foundation.log(p1 + 3e-3 * (Foundation.exp(12 / 6.4) - 1))
        let l = TTFSCrossEntropy(regularizer: .inLog).lossAndCotangent(ttfs: [10, 12], label: 1, tmax: 30).loss
        #expect(abs(l - expected) < 1e-14 * abs(expected))
        let separate = -Foundation.log(p1) + 3e-3 * (Foundation.exp(12 / 6.4) - 1)
        #expect(abs(TTFSCrossEntropy().lossAndCotangent(ttfs: [10, 12], label: 1, tmax: 30).loss - separate) < 1e-14 * separate)
    }
}
