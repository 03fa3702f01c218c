import Foundation
import Testing
@testable import Eventax

@Suite("Regression") struct RegressionTests {
    @Test("The target y = 5·sin(2πx/10) + x + 30 at quarter periods, by hand")
    func target() {
        // sin(2πx/10) is 0, 1, 0, −1, 0 at x = 0, 2.5, 5, 7.5, 10.
        let cases: [(Double, Double)] = [(0, 30), (2.5, 37.5), (5, 35), (7.5, 32.5), (10, 40), (12.5, 47.5), (30, 60)]
        for (x, y) in cases {
            #expect(abs(RegressionTask.target(x) - y) < 1e-12, "y(\(x)) = \(RegressionTask.target(x)), expected \(y)")
        }
        #expect(abs(RegressionTask.largestTarget - 60) < 1e-12)
    }

    @Test("Data: seeded uniform train and validation x in [0, 30], a test grid with both ends; the network's wiring")
    func dataAndNetwork() throws {
        var c = RegressionConfig()
        c.trainSize = 50; c.validationSize = 20; c.testSize = 7
        let d = RegressionTask.data(c)
        #expect(d.train.count == 50 && d.validation.count == 20)
        #expect(d.test == [0, 5, 10, 15, 20, 25, 30])
        #expect((d.train + d.validation).allSatisfy { (0...30).contains($0) })
        #expect(Set(d.train).isDisjoint(with: d.validation))
        #expect(RegressionTask.data(c).train == d.train)
        c.seed = 1
        #expect(RegressionTask.data(c).train != d.train)
        #expect(RegressionTask.encode(4, channels: 2) == [[0], [4]] && RegressionTask.encode(4, channels: 1) == [[0, 4]])

        let net = try RegressionTask.initialNetwork(RegressionConfig())
        #expect(net.neuronCount == 21 && net.inputCount == 2 && net.outputs == [20])
        #expect(net.synapses.count == 2 * 20 + 20 * 19 + 20)
        #expect(net.synapses.allSatisfy { s in if case .neuron(let m) = s.source { return m != s.target && m != 20 } else { return s.target != 20 } })
        #expect(net.weights.allSatisfy { (0...40).contains($0) })
        #expect((0..<21).allSatisfy { abs(net.parameter("ic", ofNeuron: $0)!) <= 0.25 && net.learnableNames(ofNeuron: $0) == ["ic"] })
    }

    @Test("The MSE loss's gradient through the recurrent network matches finite differences", arguments: [2, 1])
    func gradient(channels: Int) throws {
        // A smaller population with the same wiring; constant RK4 steps (adaptive step sizes are
        // not differentiated), the input spike at x off the step grid.
        var c = RegressionConfig()
        c.hidden = 5; c.inputChannels = channels; c.solver = "rk4"; c.rtol = nil; c.dt = 0.05; c.seed = 4
        c.wmean = 6; c.wlim = 8
        let net = try RegressionTask.initialNetwork(c)
        let x = 3.3717
        let input = RegressionTask.encode(x, channels: channels)
        let r = try Simulator(network: net).run(input, readout: .ttfs)
        let t = try #require(r.ttfs[0], "the output should spike")
        #expect(t > x, "the output should spike after the second input (at \(t))")
        let (loss, ct) = RegressionTask.loss(r, x: x, tmax: c.tmax)
        #expect(abs(loss - (t - RegressionTask.target(x)) * (t - RegressionTask.target(x))) < 1e-9)
        // The rounding noise of the finite differences scales with the cotangent (2·(t − y), tens of ms).
        let scale = abs(try #require(ct.ttfs)[0])
        let report = try finiteDifferenceCheck(net, input: input, readout: .ttfs, cotangent: ct, atol: 1e-9 * max(1, scale))
        #expect(report.failures.isEmpty, "\(report)")
        #expect(report.checked >= net.weights.count / 2, "\(report)")
    }

    /// A small, quick configuration for training in a debug build: 10 hidden neurons, 64 training
    /// samples in minibatches of 8, Euler steps of 0.1 ms (the notebook's solver), and weights
    /// uniform in 6 ± 6 rather than 20 ± 20, so that the output first fires tens of ms early rather
    /// than ~35 ms early and a few dozen steps suffice.
    func smallConfig() -> RegressionConfig {
        var c = RegressionConfig()
        c.hidden = 10; c.trainSize = 64; c.validationSize = 32; c.testSize = 16; c.batchSize = 8; c.lr = 0.1
        c.wmean = 6; c.wlim = 12
        c.solver = "euler"; c.rtol = nil; c.dt = 0.1; c.seed = 2
        return c
    }

    @Test("Training lowers the validation MSE to less than half of the initial network's")
    func learns() throws {
        var c = smallConfig()
        c.epochs = 3
        let trainer = try RegressionTrainer(config: c, threads: 2)
        var s = try trainer.initialState()
        let initial = s.bestValidationMSE
        for _ in 0..<c.epochs { s = try trainer.epoch(s) }
        #expect(s.history.count == c.epochs)
        #expect(s.bestValidationMSE < initial / 2, "validation MSE \(initial) → \(s.history.map(\.validationMSE))")
        #expect(s.bestEpoch >= 1)
        let summary = try trainer.summary(s)
        #expect(summary.test_mse < summary.initial_test_mse / 2, "test MSE \(summary.initial_test_mse) → \(summary.test_mse)")
        #expect(summary.test_mae * summary.test_mae <= summary.test_mse + 1e-9)
        #expect(summary.best_epoch == s.bestEpoch && summary.epochs == c.epochs)
        let json = String(decoding: try JSONEncoder().encode(summary), as: UTF8.self)
        for key in ["test_mse", "test_mae", "best_epoch", "epochs", "wall_seconds", "config"] { #expect(json.contains("\"\(key)\"")) }
    }

    @Test("An epoch and the step limit are bitwise the same on 1 and 2 threads")
    func threadIndependent() throws {
        var c = smallConfig()
        c.trainSize = 24; c.validationSize = 8
        let a = try RegressionTrainer(config: c, threads: 1), b = try RegressionTrainer(config: c, threads: 2)
        // The step limit (1000 times the initial network's busiest probe sample) is thread-independent.
        #expect(a.stepLimit == b.stepLimit && (1_000_000...Simulator.defaultMaxSteps).contains(a.stepLimit), "\(a.stepLimit), \(b.stepLimit)")
        let sa = try a.epoch(a.initialState()), sb = try b.epoch(b.initialState())
        #expect(sa.trainables == sb.trainables)
        #expect(sa.history[0].validationMSE == sb.history[0].validationMSE)
    }

    @Test("Metrics count a missing spike as tmax")
    func metrics() {
        let m = RegressionTrainer.metrics(predictions: [30, nil], xs: [0, 5], tmax: 80)
        // Errors 0 and 80 − 35 = 45.
        #expect(m.mse == 45 * 45 / 2 && m.mae == 22.5 && m.spikeFraction == 0.5)
        let (loss, ct) = spikeTimeMSE([nil], target: [35], tmax: 80)
        #expect(loss == 45 * 45 && ct == [0])
    }

    @Test("Bad configurations are errors naming the option")
    func badConfig() throws {
        let cases: [(String, (inout RegressionConfig) -> Void)] = [
            ("--lr", { $0.lr = -0.1 }), ("--lr", { $0.lr = .nan }), ("--epochs", { $0.epochs = 0 }),
            ("--batch-size", { $0.batchSize = 0 }), ("--hidden", { $0.hidden = 0 }), ("--tmax", { $0.tmax = 50 }),
            ("--input-channels", { $0.inputChannels = 3 }), ("--solver", { $0.solver = "leapfrog" }),
            ("--solver", { $0.solver = "rk4" }), ("--dt", { $0.dt = 0 }), ("--rtol", { $0.rtol = -1 }),
            ("--clip", { $0.clip = 0 }), ("--train-size", { $0.trainSize = 0 }), ("--validation-size", { $0.validationSize = 0 }),
            ("--test-size", { $0.testSize = 1 }), ("--wlim", { $0.wlim = -1 }), ("--blim", { $0.blim = .infinity }),
            ("--weight-decay", { $0.weightDecay = -1 }), ("--tmem", { $0.tmem = 0 }),
        ]
        for (field, change) in cases {
            var c = RegressionConfig()
            change(&c)
            do {
                try c.validate()
                Issue.record("expected an error naming \(field)")
            } catch let EventaxError.invalid(name, message) {
                #expect(name == field, "\(name): \(message)")
            }
        }
        var c = RegressionConfig()
        c.lr = 0
        #expect(throws: EventaxError.self) { _ = try RegressionTrainer(config: c, threads: 1) }
        try RegressionConfig().validate()
    }
}
