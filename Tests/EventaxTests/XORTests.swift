import Foundation
import Testing
@testable import Eventax

@Suite struct XORTests {
    @Test("Delayed XOR data: volleys on the right channels, times in their intervals, seeded")
    func data() {
        let samples = DelayedXOR.generate(count: 400, seed: 5)
        #expect(samples == DelayedXOR.generate(count: 400, seed: 5))
        #expect(samples != DelayedXOR.generate(count: 400, seed: 6))
        var labels = [0, 0]
        for s in samples {
            #expect(s.input.count == 9)
            #expect(s.label == (s.a == s.b ? 0 : 1))
            labels[s.label] += 1
            // Value channels: a's volley at 0…jitter, b's in [10, 100/3 + jitter]; same-value volleys share channels.
            let first = (3 * s.a)..<(3 * s.a + 3), second = (3 * s.b)..<(3 * s.b + 3)
            for c in 0..<6 {
                let expected = (first.contains(c) ? 1 : 0) + (second.contains(c) ? 1 : 0)
                #expect(s.input[c].count == expected)
            }
            let t2 = second.compactMap { c in s.input[c].last }.min()!
            #expect(t2 >= 10 && t2 <= 100.0 / 3 + DelayedXOR.jitter)
            for c in 6..<9 { #expect(s.input[c].count == 1) }
            #expect(s.cueTime >= t2 + 20 - DelayedXOR.jitter && s.cueTime <= 70 + DelayedXOR.jitter)
            for ch in s.input { #expect(ch == ch.sorted()) }
        }
        #expect(labels[0] > 150 && labels[1] > 150)
    }

    @Test("XOR network: 32 recurrent EGRU units without self-connections, inputs to all, two readouts")
    func network() throws {
        let trainer = try Trainer(config: TrainingConfig.xor(), threads: 1)
        let net = trainer.template
        #expect(net.inputCount == 9 && net.neuronCount == 34 && net.outputs == [32, 33])
        let recurrent = net.synapses.filter { if case .neuron(let i) = $0.source { return $0.target < 32 && i != $0.target } else { return false } }
        #expect(recurrent.count == 32 * 31)
        #expect(!net.synapses.contains { if case .neuron(let i) = $0.source { return i == $0.target } else { return false } })
        #expect(net.synapses.filter { if case .input = $0.source { return true } else { return false } }.count == 9 * 32)
    }

    /// The windowed exp-integral loss (from the first cue spike to the end) through the recurrent
    /// EGRU network: reverse pass against fourth-order central differences of the loss.
    @Test("Windowed exp-integral loss through a recurrent EGRU network matches finite differences")
    func lossGradient() throws {
        var c = TrainingConfig.xor()
        c.hidden = 5; c.solver = "rk4"; c.rtol = nil; c.dt = 0.2; c.seed = 4; c.wlim = 2
        let trainer = try Trainer(config: c, threads: 1)
        let sample = DelayedXOR.generate(count: 3, seed: 9)[1]
        let start = Classifier.windowStart(c, input: sample.input)
        #expect(start == sample.cueTime && start > 20)
        func run(_ t: [Double]) throws -> (Double, [Double], SimulationResult) {
            let net = try trainer.network(with: t)
            let sim = Simulator(network: net)
            let r = try sim.run(sample.input, readout: Classifier.readout(c, input: sample.input))
            let e = Classifier.evaluate(r, label: sample.label, config: c, windowStart: start)
            let g = try sim.gradient(e.cotangent)
            return (e.loss, g.weights + g.parameters, r)
        }
        let t0 = trainer.trainables(of: trainer.template)
        let (_, g, base) = try run(t0)
        #expect(base.spikes.prefix(5).reduce(0) { $0 + $1.count } > 0, "the EGRU units should spike")
        var checked = 0
        let eps = 1e-5
        for k in stride(from: 0, to: t0.count, by: 7) {
            var vals: [Double] = []
            var same = true
            for d in [2 * eps, eps, -eps, -2 * eps] {
                var t = t0; t[k] += d
                let (l, _, r) = try run(t)
                same = same && r.spikes.map(\.count) == base.spikes.map(\.count) && r.committedRecords == base.committedRecords
                vals.append(l)
            }
            guard same else { continue }
            let fd = (-vals[0] + 8 * vals[1] - 8 * vals[2] + vals[3]) / (12 * eps)
            #expect(abs(fd - g[k]) <= 1e-6 * abs(g[k]) + 1e-9, "trainable \(k): reverse \(g[k]) vs fd \(fd)")
            checked += 1
        }
        #expect(checked >= t0.count / 14, "too few components checked (\(checked) of \(t0.count / 7))")
        #expect(g.contains { $0 != 0 })
    }
}
