import Testing
import Foundation
@testable import Eventax

@Suite struct TrainingTests {
    /// Loss of a network on one sample as a function of its trainables, for finite differences.
    func lossAndGradient(_ trainer: Trainer, _ t: [Double], _ sample: YinYangSample) throws -> (Double, [Double], SimulationResult) {
        let net = try trainer.network(with: t)
        let sim = Simulator(network: net)
        let r = try sim.run(YinYangTask.encode(sample), readout: Classifier.readout(trainer.config))
        let e = Classifier.evaluate(r, label: sample.label, config: trainer.config)
        let g = try sim.gradient(e.cotangent)
        return (e.loss, trainer.trainableGradient(g), r)
    }

    @Test("Every loss through the whole network matches finite differences", arguments: LossKind.allCases)
    func lossGradients(loss: LossKind) throws {
        var c = TrainingConfig()
        c.loss = loss; c.hidden = 6; c.solver = "rk4"; c.rtol = nil; c.dt = 0.05; c.seed = 3
        try checkTrainableGradients(c, components: Array(stride(from: 0, to: try Trainer(config: c, threads: 1).template.trainables.count, by: 2)))
    }

    @Test("The TTFS loss with its regularizer inside the log (Eventax's notebook) through the whole network matches finite differences")
    func inLogTTFSGradients() throws {
        var c = TrainingConfig()
        c.ttfsRegularizer = .inLog; c.hidden = 6; c.solver = "rk4"; c.rtol = nil; c.dt = 0.05; c.seed = 3
        try checkTrainableGradients(c, components: Array(stride(from: 0, to: try Trainer(config: c, threads: 1).template.trainables.count, by: 2)))
    }

    /// A multi-compartment TTFS setup with weak initial weights: on test sample 7 no output spikes.
    func silentTargetConfig(penalty: Double?) -> TrainingConfig {
        var c = TrainingConfig()
        c.neuron = "multicompartment"; c.wmean = 0.15; c.wlim = 0.1; c.solver = "rk4"; c.rtol = nil; c.dt = 0.05; c.seed = 3
        c.silentTargetPenalty = penalty
        return c
    }

    @Test("The silent-target penalty adds β·(1 − max v) of a silent target and its gradient, and leaves a spiking target alone")
    func silentTargetPenalty() throws {
        let plain = try Trainer(config: silentTargetConfig(penalty: nil), threads: 1)
        let penalized = try Trainer(config: silentTargetConfig(penalty: 0.7), threads: 1)
        let sample = YinYang.generate(.test)[7]
        let t0 = plain.trainables(of: plain.template)
        let (l0, g0, r0) = try lossAndGradient(plain, t0, sample)
        let (l1, g1, r1) = try lossAndGradient(penalized, t0, sample)
        #expect(r0.ttfs.allSatisfy { $0 == nil } && r1.ttfs.allSatisfy { $0 == nil }, "\(r1.ttfs)")
        // Without the penalty nothing depends on the trainables: every output is silent.
        #expect(g0.allSatisfy { $0 == 0 })
        let vmax = r1.states[sample.label].map { $0[0] }.max()!
        #expect(vmax > 0 && vmax < 1)
        #expect(abs(l1 - (l0 + 0.7 * (1 - vmax))) <= 1e-12 * l1, "\(l1) vs \(l0) + 0.7·(1 − \(vmax))")
        #expect(g1.filter { $0 != 0 }.count > 10)
        // With stronger weights the target spikes and the penalty is absent: same loss and gradient as without it.
        var strong = silentTargetConfig(penalty: nil); strong.wmean = 1.5; strong.wlim = 3
        var strongPenalized = strong; strongPenalized.silentTargetPenalty = 0.7
        let a = try Trainer(config: strong, threads: 1), b = try Trainer(config: strongPenalized, threads: 1)
        let ts = a.trainables(of: a.template)
        let (la, ga, ra) = try lossAndGradient(a, ts, sample)
        let (lb, gb, rb) = try lossAndGradient(b, ts, sample)
        #expect(ra.ttfs[sample.label] != nil && rb.ttfs == ra.ttfs)
        // Every output spiked, so the run stopped early with grid observations still unmade.
        #expect(rb.ttfs.allSatisfy { $0 != nil } && rb.states[0].contains { $0.isEmpty })
        #expect(lb == la)
        for k in ga.indices { #expect(abs(gb[k] - ga[k]) <= 1e-12 * abs(ga[k]) + 1e-15, "trainable \(k): \(gb[k]) vs \(ga[k])") }
        var bad = silentTargetConfig(penalty: 0)
        do { try bad.validate(); Issue.record("β = 0 should be refused") } catch { #expect("\(error)".hasPrefix("--silent-target-penalty: must be a finite number > 0, got 0")) }
        bad = silentTargetConfig(penalty: 1); bad.loss = .max
        do { try bad.validate(); Issue.record("the penalty with the max loss should be refused") } catch { #expect("\(error)".hasPrefix("--silent-target-penalty: applies to the ttfs loss only")) }
    }

    @Test("The silent-target penalty through the whole network matches finite differences")
    func silentTargetPenaltyGradients() throws {
        let c = silentTargetConfig(penalty: 0.7)
        try checkTrainableGradients(c, components: Array(stride(from: 0, to: try Trainer(config: c, threads: 1).template.trainables.count, by: 5)))
    }

    @Test("A silent target beside spiking outputs: the penalty and the spike-time loss together match finite differences")
    func silentTargetBesideSpikes() throws {
        // Weights between the silent and the strong setups: find a test sample whose target stays
        // silent while another output spikes, so both cotangents (states and spike times) are used.
        var c = silentTargetConfig(penalty: 0.7); c.wmean = 0.5; c.wlim = 1
        let trainer = try Trainer(config: c, threads: 1)
        let test = YinYang.generate(.test)
        let t0 = trainer.trainables(of: trainer.template)
        var found: Int?
        for k in 0..<100 {
            let r = try Simulator(network: trainer.template).run(YinYangTask.encode(test[k]), readout: Classifier.readout(c))
            if r.ttfs[test[k].label] == nil && r.ttfs.contains(where: { $0 != nil }) { found = k; break }
        }
        let k = try #require(found, "no test sample with a silent target and a spiking output")
        let (_, g, _) = try lossAndGradient(trainer, t0, test[k])
        #expect(g.contains { $0 != 0 })
        try checkTrainableGradients(c, components: Array(stride(from: 1, to: t0.count, by: 5)), sample: k)
    }

    @Test("A logit scale through the whole network matches finite differences", arguments: [LossKind.max, .expIntegral])
    func logitScaleGradients(loss: LossKind) throws {
        var c = TrainingConfig()
        c.loss = loss; c.logitScale = 0.3; c.hidden = 6; c.solver = "rk4"; c.rtol = nil; c.dt = 0.05; c.seed = 3
        try checkTrainableGradients(c, components: Array(stride(from: 0, to: try Trainer(config: c, threads: 1).template.trainables.count, by: 2)))
    }

    @Test("A logit scale γ keeps the initial loss; readout-weight gradients scale by γ, the others stay", arguments: [LossKind.max, .integral, .expIntegral])
    func logitScaleReparameterizes(loss: LossKind) throws {
        // Logits γ·raw(w/γ) = raw(w) for readouts linear in their weights w, so the loss is the same,
        // ∂L/∂(w/γ) = γ·∂L/∂w for the readout weights, and every other gradient is unchanged.
        // γ = 1/4 and constant steps: scaling by a power of two is exact, and an adaptive
        // controller would choose other steps for the scaled readout states.
        var c = TrainingConfig()
        c.loss = loss; c.hidden = 8; c.seed = 5; c.solver = "rk4"; c.rtol = nil; c.dt = 0.05
        var scaled = c
        scaled.logitScale = 0.25
        let plain = try Trainer(config: c, threads: 1), other = try Trainer(config: scaled, threads: 1)
        let net = plain.template
        let readoutWeights = Set(net.synapses.indices.filter { net.outputs.contains(net.synapses[$0].target) }.map { net.weightIndex(ofSynapse: $0) })
        #expect(readoutWeights.count == 8 * 3)
        for k in [3, 11, 40] {
            let sample = YinYang.generate(.test)[k]
            let (l1, g1, _) = try lossAndGradient(plain, plain.trainables(of: plain.template), sample)
            let (l2, g2, _) = try lossAndGradient(other, other.trainables(of: other.template), sample)
            #expect(abs(l1 - l2) <= 1e-12 * abs(l1), "loss \(l1) vs \(l2)")
            var readoutNonzero = 0
            for i in g1.indices {
                let expected = readoutWeights.contains(i) ? 0.25 * g1[i] : g1[i]
                #expect(abs(g2[i] - expected) <= 1e-9 * abs(expected) + 1e-14, "sample \(k) trainable \(i): \(g2[i]) vs \(expected)")
                if readoutWeights.contains(i) && g1[i] != 0 { readoutNonzero += 1 }
            }
            #expect(readoutNonzero > 0)
        }
    }

    @Test("Trained delays: the trainer's delay gradients match finite differences", arguments: [LossKind.ttfs, .expIntegral])
    func delayGradients(loss: LossKind) throws {
        var c = TrainingConfig()
        c.loss = loss; c.hidden = 6; c.solver = "rk4"; c.rtol = nil; c.dt = 0.05; c.seed = 3
        c.delayLimit = 1; c.axonalDelayLimit = 0.5
        let trainer = try Trainer(config: c, threads: 1)
        let delays = trainer.delayRange
        #expect(delays.count == trainer.template.synapses.count + trainer.template.neuronCount)
        #expect(trainer.template.delays.allSatisfy { (0..<1).contains($0) } && trainer.template.delays.contains { $0 > 0 })
        #expect(trainer.template.axonalDelays.allSatisfy { (0..<0.5).contains($0) } && trainer.template.axonalDelays.contains { $0 > 0 })
        if loss == .ttfs {
            // Not a degenerate case: the TTFS loss depends on the delays only through output spikes.
            let r = try Simulator(network: trainer.template).run(YinYangTask.encode(YinYang.generate(.test)[7]), readout: Classifier.readout(c))
            #expect(!r.ttfs.compactMap { $0 }.isEmpty, "an output should spike: \(r.ttfs)")
        }
        // eps 1e-4: the loss carries ~1e-14 of rounding, which at eps 1e-5 gives ~2e-9 of noise in
        // the difference quotient, more than the 1e-9 floor for the small delay gradients (~1e-4).
        try checkTrainableGradients(c, components: Array(stride(from: delays.lowerBound, to: delays.upperBound, by: 2)), eps: 1e-4)
    }

    @Test("Multi-compartment Yin-Yang networks (§IV-G builder): loss gradients match finite differences", arguments: [LossKind.ttfs, .expIntegral])
    func multiCompartmentGradients(loss: LossKind) throws {
        var c = TrainingConfig()
        c.neuron = "multicompartment"; c.dendrites = 2; c.loss = loss; c.solver = "rk4"; c.rtol = nil; c.dt = 0.05; c.seed = 2
        let trainer = try Trainer(config: c, threads: 1)
        let r = try Simulator(network: trainer.template).run(YinYangTask.encode(YinYang.generate(.test)[7]), readout: Classifier.readout(c))
        #expect(r.spikes.contains { !$0.isEmpty }, "the multi-compartment neurons should spike")
        try checkTrainableGradients(c, components: Array(stride(from: 0, to: trainer.template.trainables.count, by: 6)))
    }

    /// Central differences (fourth order, Double) of the loss on one Yin-Yang sample against the
    /// trainer's gradient, for the given trainable components whose spike counts do not change.
    func checkTrainableGradients(_ c: TrainingConfig, components: [Int], eps: Double = 1e-5, sample index: Int = 7) throws {
        let trainer = try Trainer(config: c, threads: 1)
        let t0 = trainer.trainables(of: trainer.template)
        let sample = YinYang.generate(.test)[index]
        let (_, g, base) = try lossAndGradient(trainer, t0, sample)
        #expect(g.count == t0.count)
        var checked = 0, nonzero = 0
        for k in components {
            var vals: [Double] = []
            var same = true
            for d in [2 * eps, eps, -eps, -2 * eps] {
                var t = t0; t[k] += d
                let (l, _, r) = try lossAndGradient(trainer, t, sample)
                same = same && r.spikes.map(\.count) == base.spikes.map(\.count) && r.committedRecords == base.committedRecords
                vals.append(l)
            }
            guard same else { continue }
            let fd = (-vals[0] + 8 * vals[1] - 8 * vals[2] + vals[3]) / (12 * eps)
            #expect(abs(fd - g[k]) <= 1e-6 * abs(g[k]) + 1e-9, "\(c.loss) trainable \(k): reverse \(g[k]) vs fd \(fd)")
            checked += 1
            if g[k] != 0 { nonzero += 1 }
        }
        #expect(checked >= components.count / 2, "too few components checked (\(checked) of \(components.count))")
        #expect(nonzero >= checked / 4, "too few nonzero gradients (\(nonzero) of \(checked))")
    }

    @Test("AMOS lets a neuron spike once; its gradients match finite differences")
    func amos() throws {
        let pop = PopulationSpec(AMOS(LIF()), count: 2, parameters: ["ic": [1.5, 1.2]], learnable: ["ic", "tmem"])
        let net = try Network.layered(inputCount: 1, layers: [pop], weights: [[[2, 1]]], tmax: 150, solver: SolverConfig(tableau: .rk4, dt: 0.05))
        let r = try Simulator(network: net).run([[3.1234]])
        #expect(r.spikes.map(\.count) == [1, 1])
        let free = try Network.layered(inputCount: 1, layers: [PopulationSpec(LIF(), count: 2, parameters: ["ic": [1.5, 1.2]])], weights: [[[2, 1]]], tmax: 150,
                                       solver: SolverConfig(tableau: .rk4, dt: 0.05))
        #expect(try Simulator(network: free).run([[3.1234]]).spikes.allSatisfy { $0.count > 1 })
        let report = try finiteDifferenceCheck(net, input: [[3.1234]], readout: .full, cotangent: Cotangent(spikes: [[0.7], [-1.3]]))
        #expect(report.failures.isEmpty, "\(report)")
        #expect(report.checked >= 5)
    }

    @Test("AMOS with freeze: the state stops after the spike, spike times are unchanged, gradients match finite differences")
    func amosFreeze() throws {
        let solver = SolverConfig(tableau: .rk4, dt: 0.01)
        func izhikevich(_ freeze: Bool) throws -> Network {
            // A strong input drives v past threshold; after the reset to c the remaining current
            // drives it up again, and without a second spike v runs to infinity in finite time.
            let pop = PopulationSpec(AMOS(Izhikevich(), freeze: freeze), count: 2, parameters: ["ic": [0.5, 0]], learnable: ["ic", "d"])
            return try Network.layered(inputCount: 1, layers: [pop], weights: [[[60, 30]]], tmax: 20, solver: solver)
        }
        #expect(throws: EventaxError.self) { try Simulator(network: izhikevich(false)).run([[1]]) }
        let net = try izhikevich(true)
        let late = ReadoutRequest(observationTimes: [15, 20])
        let r = try Simulator(network: net).run([[1]], readout: late)
        #expect(r.spikes.map(\.count) == [1, 1])
        // Frozen from the spike on: the observables at 15 and 20 ms are equal and finite.
        for o in 0..<2 {
            #expect(r.states[o][0] == r.states[o][1] && r.states[o][0].allSatisfy(\.isFinite), "\(r.states[o])")
        }
        let report = try finiteDifferenceCheck(net, input: [[1]], readout: late,
                                               cotangent: Cotangent(states: [[[0.3, 0.1, -0.2], [0.5, 0, 0.4]], [[-0.7, 0.2, 0.1], [0.2, -0.1, 0]]], spikes: [[0.9], [-0.4]]))
        #expect(report.failures.isEmpty, "\(report)")
        #expect(report.checked >= 5)
        // LIF does not run away: freezing leaves its spike times bitwise unchanged.
        func lif(_ freeze: Bool) throws -> [[Double]] {
            let pop = PopulationSpec(AMOS(LIF(), freeze: freeze), count: 2, parameters: ["ic": [1.5, 1.2]])
            let n = try Network.layered(inputCount: 1, layers: [pop], weights: [[[2, 1]]], tmax: 150, solver: solver)
            return try Simulator(network: n).run([[3.1234]]).spikes
        }
        #expect(try lif(true) == lif(false))
    }

    func smallConfig() -> TrainingConfig {
        var c = TrainingConfig()
        c.hidden = 16; c.trainSubset = 300; c.batchSize = 30; c.lr = 0.1; c.solver = "euler"; c.rtol = nil; c.dt = 0.2; c.seed = 1
        return c
    }

    @Test("Training learns: validation loss falls and accuracy rises well above chance")
    func learns() throws {
        var c = smallConfig()
        c.epochs = 8
        let trainer = try Trainer(config: c, threads: 2)
        var s = trainer.initialCheckpoint()
        let before = try trainer.evaluate(trainer.template, on: LabeledSet.yinYang(Array(YinYang.generate(.validation).prefix(300))))
        for _ in 0..<c.epochs { s = try trainer.epoch(s) }
        #expect(s.history.last!.validationLoss < s.history.first!.validationLoss)
        #expect(s.bestValidationAccuracy > max(0.5, before.accuracy + 0.1), "best validation \(s.bestValidationAccuracy), initial \(before.accuracy)")
    }

    @Test("ALIF, PLIF and PQIF train on Yin-Yang (--neuron alif|plif|pqif); PLIF's and PQIF's log time constants are learned",
          arguments: ["alif", "plif", "pqif"])
    func moreModelsTrain(neuron: String) throws {
        var c = smallConfig()
        c.neuron = neuron; c.loss = .expIntegral; c.epochs = 2; c.trainSubset = 120; c.evalSubset = 100; c.hidden = 10
        let trainer = try Trainer(config: c, threads: 2)
        let template = trainer.template
        let expected: [String]
        switch neuron {
        case "alif": expected = ALIF().parameters.map(\.name)
        case "plif": expected = PLIF().parameters.map(\.name)
        default: expected = PQIF().parameters.map(\.name)
        }
        #expect(template.model(ofNeuron: 0).parameters.map(\.name) == expected)
        let logNames: [String] = neuron == "alif" ? [] : ["log_tmem", "log_tsyn"]
        for name in logNames {
            #expect(template.learnableNames(ofNeuron: 0).contains(name))
            #expect(template.parameter(name, ofNeuron: 0) == Foundation.log(name == "log_tmem" ? c.tmem : c.tsyn))
        }
        var s = trainer.initialCheckpoint()
        let before = try trainer.evaluate(template, on: LabeledSet.yinYang(Array(YinYang.generate(.validation).prefix(100))))
        for _ in 0..<c.epochs { s = try trainer.epoch(s) }
        #expect(s.history.allSatisfy { $0.trainLoss.isFinite && $0.validationLoss.isFinite })
        #expect(s.history.last!.validationLoss < before.loss, "validation loss \(s.history.map(\.validationLoss)), initial \(before.loss)")
        let trained = try trainer.network(with: s.trainables)
        for name in logNames {
            let moved = (0..<c.hidden).filter { trained.parameter(name, ofNeuron: $0) != template.parameter(name, ofNeuron: $0) }
            #expect(moved.count == c.hidden, "\(name) moved in \(moved.count) of \(c.hidden) hidden neurons")
        }
    }

    @Test("Izhikevich TTFS with AMOS trains (its voltage used to run away after the one spike): the loss falls")
    func izhikevichTTFSTrains() throws {
        var c = TrainingConfig()
        c.neuron = "izhikevich"; c.loss = .ttfs
        c.hidden = 10; c.trainSubset = 96; c.evalSubset = 100; c.batchSize = 16; c.lr = 0.02; c.epochs = 2
        let trainer = try Trainer(config: c, threads: 2)
        var s = trainer.initialCheckpoint()
        let before = try trainer.evaluate(trainer.template, on: LabeledSet.yinYang(Array(YinYang.generate(.validation).prefix(100))))
        for _ in 0..<c.epochs { s = try trainer.epoch(s) }
        #expect(s.history.allSatisfy { $0.trainLoss.isFinite && $0.validationLoss.isFinite })
        // Most outputs start silent (a missing spike costs the tmax logit); two short epochs
        // already cut the validation loss by far more than noise (measured 5.9 → 2.6).
        #expect(s.history.last!.validationLoss < 0.7 * before.loss, "validation loss \(s.history.map(\.validationLoss)), initial \(before.loss)")
    }

    @Test("Resuming from a checkpoint ends bitwise equal to an uninterrupted run")
    func resume() throws {
        var c = smallConfig()
        c.epochs = 2
        let trainer = try Trainer(config: c, threads: 2)
        let straight = try trainer.epoch(trainer.epoch(trainer.initialCheckpoint()))
        let first = try trainer.epoch(trainer.initialCheckpoint())
        let data = try JSONEncoder().encode(first)
        let restored = try JSONDecoder().decode(TrainingCheckpoint.self, from: data)
        let resumed = try Trainer(config: c, threads: 1).epoch(restored)
        #expect(resumed.trainables == straight.trainables)
        #expect(resumed.optimizer.m == straight.optimizer.m)
        #expect(resumed.bestTrainables == straight.bestTrainables)
    }

    @Test("An epoch's minibatches cover every sample once, in an order fixed by seed and epoch")
    func minibatchOrder() {
        let a = EpochSteps.batches(seed: 3, epoch: 2, count: 1000, batchSize: 256)
        #expect(a.map(\.count) == [256, 256, 256, 232])
        #expect(a.flatMap { $0 }.sorted() == Array(0..<1000))
        #expect(a == EpochSteps.batches(seed: 3, epoch: 2, count: 1000, batchSize: 256))
        let other = [EpochSteps.batches(seed: 3, epoch: 3, count: 1000, batchSize: 256), EpochSteps.batches(seed: 4, epoch: 2, count: 1000, batchSize: 256)]
        for o in other { #expect(o.flatMap { $0 } != a.flatMap { $0 }) }
        #expect(EpochSteps.batches(seed: 0, epoch: 1, count: 0, batchSize: 8).isEmpty)
    }

    @Test("A minibatch step averages the summed gradient, clips it, steps, clamps delays at 0")
    func minibatchStep() throws {
        let template = try Classifier.initialNetwork(smallConfig())
        let n = template.trainables.count
        var t = template.trainables + [0.001, 0.5], opt = SGD(lr: 1)
        // SGD with lr 1: the step subtracts the clipped mean gradient.
        var g = [Double](repeating: 0, count: n + 2); g[n] = 4; g[n + 1] = 0; g[0] = 3
        let norm = try EpochSteps.apply(g, samples: 2, clip: 1, optimizer: &opt, trainables: &t, delayRange: n..<n + 2, template: template)
        #expect(abs(norm - 2.5) < 1e-15) // mean (1.5, 2) has norm 2.5, clipped to 1: (0.6, 0.8)
        #expect(abs(t[0] - (template.trainables[0] - 0.6)) < 1e-15)
        #expect(t[n] == 0) // 0.001 − 0.8 clamped at 0
        #expect(t[n + 1] == 0.5)
        #expect(Array(t[1..<n]) == Array(template.trainables[1..<n]))
        // A non-finite entry is an error naming it, and nothing moves: neither the trainables nor
        // the optimizer's state.
        for bad in [Double.nan, .infinity] {
            var u = template.trainables, adam = AdamW(lr: 0.1)
            var h = [Double](repeating: 1, count: n); h[7] = bad
            do {
                try EpochSteps.apply(h, samples: 1, clip: 1, optimizer: &adam, trainables: &u, template: template)
                Issue.record("expected an error for \(bad)")
            } catch {
                #expect("\(error)".hasPrefix("gradient[7]: is \(bad)"), "\(error)")
            }
            #expect(u == template.trainables)
            var fresh = AdamW(lr: 0.1), v = template.trainables, w = template.trainables
            adam.step(&v, [Double](repeating: 1, count: n)); fresh.step(&w, [Double](repeating: 1, count: n))
            #expect(v == w)
        }
    }

    @Test("Trained delays move, stay ≥ 0 and are bitwise independent of the thread count")
    func delaysTrain() throws {
        var c = smallConfig()
        c.epochs = 2; c.delayLimit = 2; c.axonalDelayLimit = 1; c.lr = 0.3
        let one = try Trainer(config: c, threads: 1), two = try Trainer(config: c, threads: 2)
        let a = try one.epoch(one.epoch(one.initialCheckpoint()))
        let b = try two.epoch(two.epoch(two.initialCheckpoint()))
        #expect(a.trainables == b.trainables)
        let before = one.trainables(of: one.template)[one.delayRange], after = a.trainables[one.delayRange]
        #expect(after.allSatisfy { $0 >= 0 })
        #expect(zip(before, after).filter { $0 != $1 }.count > before.count / 2, "most delays should move")
        let net = try one.network(with: a.trainables)
        #expect(Array(net.delays + net.axonalDelays) == Array(after))
        let bad = { var c = TrainingConfig(); c.delayLimit = -1; return c }()
        do { try bad.validate(); Issue.record("expected an error") } catch { #expect("\(error)".hasPrefix("--delays:"), "\(error)") }
    }

    @Test("Positive learnable parameters are projected onto 1 % of their default; others and weights are untouched")
    func positiveFloors() throws {
        let pop = PopulationSpec(LIF(), count: 2, learnable: ["ic", "tmem"])
        let net = try Network.layered(inputCount: 1, layers: [pop], weights: [[[1, 1]]], tmax: 5)
        #expect(net.learnableFloors == [-.infinity, 0.2, -.infinity, 0.2])
        var t = net.trainables
        #expect(t == [1, 1, 0, 20, 0, 20])
        t = [-3, 1, -5, -1, 0.5, 0.1]
        net.projectOntoFloors(&t)
        #expect(t == [-3, 1, -5, 0.2, 0.5, 0.2])
        #expect(try net.withTrainables(t).parameter("tmem", ofNeuron: 1) == 0.2)
    }

    @Test("A training step that would take a time constant below its floor (or to ≤ 0) leaves it at the floor")
    func timeConstantsStayPositive() throws {
        var c = smallConfig()
        c.neuron = "multicompartment"; c.dendrites = 2; c.loss = .expIntegral; c.lr = 0.1; c.trainSubset = 30; c.evalSubset = 30
        c.dt = 0.05  // Euler stays stable for time constants down to the floors (≥ 0.05)
        let trainer = try Trainer(config: c, threads: 2)
        let floors = trainer.template.learnableFloors, base = trainer.template.weights.count
        // Every time constant starts at twice its floor: an Adam step of about lr = 0.1 downwards
        // takes tdend and tsyn (floor 0.05) to about 0, which used to end training with an invalid network.
        var start = trainer.initialCheckpoint()
        for (k, floor) in floors.enumerated() where floor > -.infinity { start.trainables[base + k] = 2 * floor }
        let s = try trainer.epoch(start)
        var atFloor = 0, positive = 0
        for (k, floor) in floors.enumerated() where floor > -.infinity {
            positive += 1
            #expect(s.trainables[base + k] >= floor)
            if s.trainables[base + k] == floor { atFloor += 1 }
        }
        #expect(positive == 2 * 3 * 2 + 3, "tdend and tsyn per dendrite, and tmem, of each of the 3 neurons")
        #expect(atFloor > 0, "some time constant should have been lowered onto its floor")
        _ = try trainer.network(with: s.trainables)
    }

    @Test("Fan-in scaling of the initial weights: none, 1/√n and 1/n of the uniform range")
    func fanInScaling() throws {
        var c = TrainingConfig()
        c.wmean = 20; c.wlim = 40
        for (f, hiddenMax, outputMax) in [(FanInScaling.none, 40.0, 40.0), (.sqrt, 40 / 5.0.squareRoot(), 40 / 50.0.squareRoot()), (.linear, 8, 0.8)] {
            c.fanIn = f
            let net = try Classifier.initialNetwork(c)
            let hidden = net.synapses.filter { if case .input = $0.source { return true } else { return false } }.map { $0.weight[0] }
            let output = net.synapses.filter { if case .neuron = $0.source { return true } else { return false } }.map { $0.weight[0] }
            #expect(hidden.count == 5 * 50 && output.count == 50 * 3)
            #expect(hidden.allSatisfy { (0...hiddenMax).contains($0) } && hidden.max()! > 0.9 * hiddenMax, "\(f): hidden up to \(hidden.max()!)")
            #expect(output.allSatisfy { (0...outputMax).contains($0) } && output.max()! > 0.9 * outputMax, "\(f): output up to \(output.max()!)")
        }
    }

    @Test("Model parameters set by name reach every neuron of the chosen model's layers, and only those")
    func modelParameters() throws {
        var c = TrainingConfig()
        c.neuron = "izhikevich"
        let plain = try Classifier.initialNetwork(c)
        // The paper's recovery jump (Table II) and the regular-spiking reset, not the model's defaults.
        #expect((0..<53).allSatisfy { plain.parameter("d", ofNeuron: $0) == 4 && plain.parameter("c", ofNeuron: $0) == -65 })
        c.modelParameters = ["c": -60, "d": 8]
        let set = try Classifier.initialNetwork(c)
        #expect((0..<53).allSatisfy { set.parameter("c", ofNeuron: $0) == -60 && set.parameter("d", ofNeuron: $0) == 8 })
        #expect(set.weights == plain.weights)
        // State-based: the hidden layer takes them, the LI readouts keep their own parameters.
        c.loss = .expIntegral
        let state = try Classifier.initialNetwork(c)
        #expect((0..<50).allSatisfy { state.parameter("c", ofNeuron: $0) == -60 })
        #expect(state.parameter("c", ofNeuron: 50) == nil)
        c.modelParameters = ["vT": 1]
        do { try c.validate(); Issue.record("expected an error") } catch {
            #expect("\(error)".hasPrefix("--param: izhikevich has no settable parameter \"vT\""), "\(error)")
        }
        // A learnable log time constant is set by its own name (PLIF: log_tmem, not tmem) and is
        // the starting point of every neuron of the PLIF layers.
        var plif = TrainingConfig()
        plif.neuron = "plif"
        plif.modelParameters = ["log_tmem": log(30.0)]
        try plif.validate()
        let logSet = try Classifier.initialNetwork(plif)
        #expect((0..<53).allSatisfy { logSet.parameter("log_tmem", ofNeuron: $0) == log(30.0) && logSet.parameter("log_tsyn", ofNeuron: $0) == log(5.0) })
    }

    @Test("--bmean/--blim set the initial bias currents of every spiking layer, leave the weights alone, and are refused where no such layer exists")
    func initialBiases() throws {
        var c = TrainingConfig()
        let plain = try Classifier.initialNetwork(c)
        let plainBias = (0..<53).map { plain.parameter("ic", ofNeuron: $0)! }
        // The QIF default: uniform in [−0.5, 0.5], spread over most of it.
        #expect(plainBias.allSatisfy { (-0.5...0.5).contains($0) } && plainBias.min()! < -0.4 && plainBias.max()! > 0.4)
        c.bmean = 0.5; c.blim = 0.2
        try c.validate()
        let shifted = try Classifier.initialNetwork(c)
        let bias = (0..<53).map { shifted.parameter("ic", ofNeuron: $0)! }
        #expect(bias.allSatisfy { (0.4...0.6).contains($0) } && bias.min()! < 0.42 && bias.max()! > 0.58, "\(bias)")
        #expect(shifted.weights == plain.weights)
        // Only the mean given: the default width (1) around it.
        c.blim = nil
        let widthKept = try Classifier.initialNetwork(c)
        #expect((0..<53).allSatisfy { (0...1).contains(widthKept.parameter("ic", ofNeuron: $0)!) })
        // State-based: the hidden layer takes them; the LI readouts have no bias.
        c.loss = .expIntegral; c.blim = 0
        let state = try Classifier.initialNetwork(c)
        #expect((0..<50).allSatisfy { state.parameter("ic", ofNeuron: $0) == 0.5 })
        var multiCompartment = TrainingConfig()
        multiCompartment.neuron = "multicompartment"
        for var other in [TrainingConfig.xor(), multiCompartment, TrainingConfig.mnist(data: "/mnist")] {
            other.bmean = 0.1
            do { try other.validate(); Issue.record("expected an error for \(other.task) \(other.neuron)") } catch {
                #expect("\(error)".hasPrefix("--bmean: sets the initial bias currents of the Yin-Yang and MNIST-TTFS networks only"), "\(error)")
            }
        }
    }

    @Test("A trainable vector of the wrong length is an error naming it; a correct one round-trips")
    func trainablesShape() throws {
        let trainer = try Trainer(config: smallConfig(), threads: 1)
        let t = trainer.trainables(of: trainer.template)
        #expect(try trainer.trainables(of: trainer.network(with: t)) == t)
        do { _ = try trainer.network(with: Array(t.dropLast())); Issue.record("expected an error") } catch {
            #expect("\(error)".hasPrefix("trainables:"), "\(error)")
        }
    }

    @Test("Solver defaults per task: Yin-Yang and MNIST adaptive Bosh3 at rtol 1e-3; XOR Tsit5 at 1e-6, as its documented run")
    func solverDefaults() throws {
        func same(_ a: SolverConfig, _ b: SolverConfig) -> Bool {
            a.tableau.name == b.tableau.name && a.dt == b.dt && a.adaptive?.rtol == b.adaptive?.rtol && a.adaptive?.atol == b.adaptive?.atol
        }
        let yinyang = TrainingConfig().solverConfig
        #expect(yinyang.tableau.name == "bosh3" && yinyang.dt == 0.05)
        #expect(yinyang.adaptive?.rtol == 1e-3 && yinyang.adaptive?.atol == 1e-5)
        // `eventax bench` measures the training default among its built-in configurations.
        #expect(YinYangBenchmark.configurations.contains { same($0.solver, yinyang) })
        // MNIST has Yin-Yang's solver (since 2026-12-06); XOR keeps the solver of its documented run.
        #expect(same(TrainingConfig.mnist(data: "x").solverConfig, yinyang))
        let xor = TrainingConfig.xor()
        #expect(xor.solverConfig.tableau.name == "tsit5" && xor.dt == 0.05)
        #expect(xor.solverConfig.adaptive?.rtol == 1e-6 && xor.solverConfig.adaptive?.atol == 1e-8)
        var tsit5 = TrainingConfig()
        tsit5.useDocumentedRunsSolver()
        let d = TrainingConfig().differences(from: tsit5)
        try #require(d.map(\.field) == ["rtol", "solver"])
        #expect(Double(d[0].this) == 1e-3 && Double(d[0].other) == 1e-6)
        #expect(d[1].this == "\"bosh3\"" && d[1].other == "\"tsit5\"")
        tsit5.lr = 0.01
        let unset = try #require(TrainingConfig().differences(from: tsit5).first { $0.field == "lr" })
        #expect(unset.this == "none" && Double(unset.other) == 0.01)
    }

    @Test("Bad training options name the option")
    func badOptions() {
        var c = TrainingConfig()
        c.neuron = "hh"
        #expect(throws: EventaxError.self) { try c.validate() }
        c = TrainingConfig(); c.lr = -1
        #expect((try? c.validate()) == nil)
        do { try c.validate() } catch { #expect("\(error)".hasPrefix("--lr:")) }
        c = TrainingConfig(); c.solver = "rk5"
        do { try c.validate() } catch { #expect("\(error)".hasPrefix("--solver:")) }
        // Euler has no error estimate: with the default --rtol it is refused, with --rtol 0 it runs constant steps.
        c = TrainingConfig(); c.solver = "euler"
        do { try c.validate(); Issue.record("adaptive Euler should be refused") } catch { #expect("\(error)".hasPrefix("--solver: euler has no embedded error estimate")) }
        c.rtol = nil
        #expect((try? c.validate()) != nil)
        #expect(c.solverConfig.adaptive == nil && c.solverConfig.tableau.name == "euler")
        c = TrainingConfig(); c.loss = .expIntegral; c.ttfsRegularizer = .inLog
        #expect((try? c.validate()) == nil)
        do { try c.validate() } catch { #expect("\(error)".hasPrefix("--ttfs-regularizer:")) }
        c = TrainingConfig(); c.logitScale = 0.5
        do { try c.validate(); Issue.record("a logit scale with TTFS should be refused") } catch { #expect("\(error)".hasPrefix("--logit-scale: applies to the state-based losses only")) }
        for bad in [0, -1, Double.nan, .infinity] {
            c = TrainingConfig(); c.loss = .max; c.logitScale = bad
            do { try c.validate(); Issue.record("logit scale \(bad) should be refused") } catch { #expect("\(error)".hasPrefix("--logit-scale: must be a finite number > 0, got \(bad)")) }
        }
    }

    @Test("The divergence hint comes only after training, and only for solver and event-limit errors")
    func divergenceHint() {
        func message(trained: Bool, _ error: EventaxError) -> String {
            do { return try EpochSteps.naming("epoch 2, validation", trained: trained, learningRate: 0.5) { () throws -> String in throw error } }
            catch { return "\(error)" }
        }
        let hint = "epoch 2, validation (after training at learning rate 0.5: the parameters may have diverged; try a smaller --lr): "
        let steps = EventaxError.integration("more than 10 solver steps in one simulation (maxSteps)")
        #expect(message(trained: true, steps) == hint + "\(steps)")
        #expect(message(trained: true, .tooManyEvents(limit: 7)) == hint + "\(EventaxError.tooManyEvents(limit: 7))")
        #expect(message(trained: false, steps) == "epoch 2, validation: \(steps)")
        let bad = EventaxError.invalid(field: "spikes[0][0]", "is nan")
        #expect(message(trained: true, bad) == "epoch 2, validation: \(bad)")
        #expect(message(trained: true, .io(path: "/x", "gone")) == "/x: gone")
        // A minibatch: the first of the run simulates the initial network, every later one a trained network.
        func batchMessage(epoch: Int, batch: Int) -> String {
            do { return try EpochSteps.namingBatch(epoch: epoch, batch: batch, of: 3, learningRate: 0.5) { () throws -> String in throw steps } }
            catch { return "\(error)" }
        }
        let batchHint = " (after training at learning rate 0.5: the parameters may have diverged; try a smaller --lr): \(steps)"
        #expect(batchMessage(epoch: 1, batch: 0) == "epoch 1, training batch 1 of 3: \(steps)")
        #expect(batchMessage(epoch: 1, batch: 1) == "epoch 1, training batch 2 of 3" + batchHint)
        #expect(batchMessage(epoch: 2, batch: 0) == "epoch 2, training batch 1 of 3" + batchHint)
    }

    @Test("A simulation error during training names the epoch and the part of it (diverged weights after an absurd learning rate)")
    func errorsNameTheEpoch() throws {
        var c = TrainingConfig()
        c.hidden = 4; c.trainSubset = 20; c.batchSize = 20; c.evalSubset = 20; c.epochs = 1; c.lr = 1e300
        let trainer = try Trainer(config: c, threads: 1)
        do {
            _ = try trainer.epoch(trainer.initialCheckpoint())
            Issue.record("weights of order 1e300 were simulated without an error")
        } catch let error as EventaxError {
            // The first batch trains the initial network; its update makes the validation diverge.
            guard case let .during(context, inner) = error else { Issue.record("no context: \(error)"); return }
            let hint = " (after training at learning rate 1e+300: the parameters may have diverged; try a smaller --lr)"
            #expect(context == "epoch 1, validation" + hint)
            #expect("\(error)" == "epoch 1, validation\(hint): \(inner)")
            guard case .integration = inner else { Issue.record("expected a solver error, got \(inner)"); return }
        }
    }

    @Test("A diverging run stops at the trainer's step limit, 1000 times the initial network's most steps on its first training samples (not at the simulator's 50 million)")
    func stepLimit() throws {
        // The command-line default network (QIF TTFS, adaptive Bosh3) with an absurd learning rate:
        // after two updates a simulation exceeds any limit (with 50 million steps it took minutes
        // and gigabytes).
        var c = TrainingConfig()
        c.trainSubset = 512; c.batchSize = 128; c.evalSubset = 20; c.epochs = 1; c.lr = 1e6
        let trainer = try Trainer(config: c, threads: 2)
        let probe = (0..<EpochSteps.stepProbeSamples).map(trainer.data.train.input)
        let most = try BatchEvaluator(network: trainer.template, threads: 1)
            .forward(probe, readouts: probe.map { Classifier.readout(c, input: $0) }).map(\.stepCount).max()!
        #expect(most > 100 && most < 50_000, "most steps of a probe sample: \(most)")
        #expect(trainer.stepLimit == max(1_000_000, 1000 * most))
        // The same limit on every construction (a resumed run rebuilds its trainer) and thread count.
        #expect(try Trainer(config: c, threads: 1).stepLimit == trainer.stepLimit)
        do {
            _ = try trainer.epoch(trainer.initialCheckpoint())
            Issue.record("a learning rate of 1e6 trained without an error")
        } catch {
            #expect("\(error)".hasPrefix("epoch 1, training batch "), "\(error)")
            #expect("\(error)".hasSuffix("more than \(trainer.stepLimit) solver steps in one simulation (maxSteps)"), "\(error)")
        }
    }
}
