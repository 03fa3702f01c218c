import Testing
import Foundation
@testable import Eventax

@Suite struct BatchTests {
    @Test("Batch gradients are bitwise identical with 1 and 2 threads and equal the sum of per-sample gradients")
    func threadIndependence() throws {
        let net = try YinYangBenchmark.network(solver: SolverConfig(tableau: .euler, dt: 0.1))
        let (inputs, labels) = YinYangBenchmark.data(count: 20)
        let loss = TTFSCrossEntropy()
        func run(_ threads: Int) throws -> (Double, Gradients) {
            let r = try BatchEvaluator(network: net, threads: threads).lossAndGradient(inputs, readout: .ttfs) { i, r in
                let (l, ct) = loss.lossAndCotangent(ttfs: r.ttfs, label: labels[i], tmax: 30)
                return (l, Cotangent(ttfs: ct))
            }
            return (r.loss, r.gradients)
        }
        let (l1, g1) = try run(1), (l2, g2) = try run(2)
        #expect(l1 == l2)
        #expect(g1.weights == g2.weights)
        #expect(g1.parameters == g2.parameters)
        // Against a plain sequential loop (sums may differ in the last bits only through order).
        var total = [Double](repeating: 0, count: net.weights.count)
        let sim = Simulator(network: net)
        for (i, x) in inputs.enumerated() {
            let r = try sim.run(x, readout: .ttfs)
            let g = try sim.gradient(Cotangent(ttfs: loss.lossAndCotangent(ttfs: r.ttfs, label: labels[i], tmax: 30).cotangent))
            for k in total.indices { total[k] += g.weights[k] }
        }
        for k in total.indices { #expect(abs(total[k] - g1.weights[k]) <= 1e-12 * max(1, abs(total[k]))) }
        #expect(total.contains { $0 != 0 })
    }

    @Test("The evaluator keeps no copy of the results it returns (they were leaked once)")
    func resultsAreNotRetained() throws {
        let net = try YinYangBenchmark.network(solver: SolverConfig(tableau: .euler, dt: 0.1))
        let (inputs, _) = YinYangBenchmark.data(count: 20)
        let evaluator = BatchEvaluator(network: net, threads: 2)
        var forward = try evaluator.forward(inputs, readout: .full)
        var trained = try evaluator.lossAndGradient(inputs, readout: .full) { _, r in (0, Cotangent(spikes: r.spikes.map { $0.map { _ in 1 } })) }.results
        // Mutating a result's spike lists copies their storage only if someone else still holds it.
        func address(_ a: [[Double]]) -> UInt { a.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } }
        for k in inputs.indices {
            let a = address(forward[k].spikes), b = address(trained[k].spikes)
            forward[k].spikes[0] = []
            trained[k].spikes[0] = []
            #expect(address(forward[k].spikes) == a, "forward result \(k) is still referenced elsewhere")
            #expect(address(trained[k].spikes) == b, "lossAndGradient result \(k) is still referenced elsewhere")
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
}
