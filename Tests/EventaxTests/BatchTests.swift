import Testing
import Foundation
@testable import Eventax

@Suite struct BatchTests {
    /// The summed TTFS cross-entropy and its gradients over 20 Yin-Yang samples.
    static func ttfsBatch(_ evaluator: BatchEvaluator) throws -> (Double, Gradients) {
        let (inputs, labels) = YinYangBenchmark.data(count: 20)
        let loss = TTFSCrossEntropy()
        let r = try evaluator.lossAndGradient(inputs, readout: .ttfs) { i, r in
            let (l, ct) = loss.lossAndCotangent(ttfs: r.ttfs, label: labels[i], tmax: 30)
            return (l, Cotangent(ttfs: ct))
        }
        return (r.loss, r.gradients)
    }

    @Test("Batch gradients are bitwise identical with 1 and 2 threads and equal the sum of per-sample gradients")
    func threadIndependence() throws {
        let net = try YinYangBenchmark.network(solver: SolverConfig(tableau: .euler, dt: 0.1))
        let (inputs, labels) = YinYangBenchmark.data(count: 20)
        let loss = TTFSCrossEntropy()
        let (l1, g1) = try Self.ttfsBatch(BatchEvaluator(network: net, threads: 1))
        let (l2, g2) = try Self.ttfsBatch(BatchEvaluator(network: net, threads: 2))
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

    @Test("More chunks than the reduction window: bitwise identical with 1, 2 and 3 threads; a failing sample throws instead of leaving workers waiting",
          .timeLimit(.minutes(2)))
    func orderedReductionWindow() throws {
        let net = try YinYangBenchmark.network(solver: SolverConfig(tableau: .euler, dt: 0.1))
        let (inputs, labels) = YinYangBenchmark.data(count: 100)  // 13 chunks of 8; windows of 4, 8 and 12 chunks
        let loss = TTFSCrossEntropy()
        func batch(threads: Int, failing: Int? = nil) throws -> (loss: Double, gradients: Gradients) {
            let r = try BatchEvaluator(network: net, threads: threads).lossAndGradient(inputs, readout: .ttfs) { i, r in
                let (l, ct) = loss.lossAndCotangent(ttfs: r.ttfs, label: labels[i], tmax: 30)
                return (l, Cotangent(ttfs: i == failing ? [1] : ct))  // one entry for three outputs: refused
            }
            return (r.loss, r.gradients)
        }
        let one = try batch(threads: 1)
        for threads in [2, 3] {
            let other = try batch(threads: threads)
            #expect(other.loss == one.loss)
            #expect(other.gradients.weights == one.gradients.weights)
            #expect(other.gradients.parameters == one.gradients.parameters)
        }
        #expect(one.gradients.weights.contains { $0 != 0 })
        for failing in [0, 37, 99] {
            #expect(throws: EventaxError.self) { try batch(threads: 2, failing: failing) }
        }
    }

    @Test("Gradients without delays: the same weight and parameter gradients, no delay gradients; shapes still checked")
    func withoutDelayGradients() throws {
        let plain = try YinYangBenchmark.network(solver: SolverConfig(tableau: .euler, dt: 0.1))
        let net = try plain.withDelays(synaptic: plain.delays.indices.map { Double($0 % 7) * 0.3 },
                                       axonal: plain.axonalDelays.indices.map { Double($0 % 3) * 0.5 })
        let (inputs, labels) = YinYangBenchmark.data(count: 12)
        let loss = TTFSCrossEntropy()
        func batch(_ delays: Bool) throws -> (loss: Double, gradients: Gradients, results: [SimulationResult]) {
            try BatchEvaluator(network: net, threads: 2).lossAndGradient(inputs, readout: .ttfs, delayGradients: delays) { i, r in
                let (l, ct) = loss.lossAndCotangent(ttfs: r.ttfs, label: labels[i], tmax: 30)
                return (l, Cotangent(ttfs: ct))
            }
        }
        let full = try batch(true), lean = try batch(false)
        #expect(full.loss == lean.loss)
        #expect(full.gradients.weights == lean.gradients.weights)
        #expect(full.gradients.parameters == lean.gradients.parameters)
        #expect(full.gradients.delays.contains { $0 != 0 } && full.gradients.axonalDelays.contains { $0 != 0 })
        #expect(lean.gradients.delays.isEmpty && lean.gradients.axonalDelays.isEmpty)
        // Gradients with delay arrays of the wrong length are still refused.
        let sim = Simulator(network: net)
        _ = try sim.run(inputs[0], readout: .ttfs)
        var wrong = Gradients(network: net, inputShape: [], delays: false)
        wrong.axonalDelays = [0]
        #expect(throws: EventaxError.self) { try sim.accumulateGradient(Cotangent(ttfs: [1, 0, 0]), into: &wrong) }
    }

    @Test("Far more threads than cores: the same bitwise results, and only as many simulators as ran at once")
    func manyThreads() throws {
        let net = try YinYangBenchmark.network(solver: SolverConfig(tableau: .euler, dt: 0.1))
        let one = BatchEvaluator(network: net, threads: 1), many = BatchEvaluator(network: net, threads: 100_000)
        let (l1, g1) = try Self.ttfsBatch(one), (lm, gm) = try Self.ttfsBatch(many)
        #expect(l1 == lm)
        #expect(g1.weights == gm.weights)
        #expect(g1.parameters == gm.parameters)
        _ = try many.forward(YinYangBenchmark.data(count: 20).inputs, readout: .ttfs)
        // 20 samples are 3 chunks of 8: no more than 3 workers can have run at once.
        #expect(one.simulatorsMade == 1)
        #expect(many.simulatorsMade >= 1 && many.simulatorsMade <= 3)
        #expect(BatchEvaluator(network: net, threads: .max).threads == .max)
        _ = try Self.ttfsBatch(BatchEvaluator(network: net, threads: .max))  // no overflow in the window size
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
}
