import Testing
import Foundation
@testable import Eventax

/// ALIF, EGRU and log-parameterized time constants: reverse-mode gradients against finite
/// differences, and the behaviour each model exists for. Input times are kept off the solvers'
/// step grids.
@Suite("ModelZoo") struct ModelZooTests {
    let helpers = GradientTests()
    static let input = GradientTests.input

    /// Interspike intervals of a spike train.
    func intervals(_ spikes: [Double]) -> [Double] { zip(spikes.dropFirst(), spikes).map { $0 - $1 } }

    // MARK: ALIF

    @Test("ALIF: reverse pass = finite differences (weights, ic, thresh, beta, tadapt, tmem, inputs)")
    func alifGradient() throws {
        let solver = SolverConfig(tableau: .rk4, dt: 0.05)
        let net = try smallNetwork({ PopulationSpec(ALIF(), count: $0, parameters: ["tadapt": [15], "beta": [3]],
                                                    learnable: ["ic", "thresh", "beta", "tadapt", "tmem"]) },
                                   solver: solver, seed: 31, wLo: 0.5, wHi: 4, biasLo: 0.6, biasHi: 1.4)
        let spikes = try helpers.spikeCotangent(net, seed: 32)
        let r = try finiteDifferenceCheck(net, input: Self.input, readout: .full, cotangent: Cotangent(spikes: spikes))
        helpers.expectClean(r, "alif spikes")
    }

    @Test("ALIF: under constant drive the interspike intervals grow; LIF's stay constant")
    func alifAdaptation() throws {
        let solver = SolverConfig(tableau: .rk4, dt: 0.05)
        func train<M: NeuronModel>(_ model: M) throws -> [Double] {
            let net = try Network.layered(inputCount: 1, layers: [PopulationSpec(model, count: 1, parameters: ["ic": [1.5]])],
                                          weights: [[[0]]], tmax: 300, solver: solver)
            return try Simulator(network: net).run([[]]).spikes[0]
        }
        let adaptive = intervals(try train(ALIF()))
        let plain = intervals(try train(LIF()))
        #expect(adaptive.count >= 5, "ALIF intervals \(adaptive)")
        #expect(zip(adaptive.dropFirst(), adaptive).allSatisfy { $0 > $1 }, "ALIF intervals should grow: \(adaptive)")
        #expect(adaptive.last! > 1.5 * adaptive.first!, "ALIF intervals \(adaptive)")
        #expect(plain.count > adaptive.count)
        #expect(plain.allSatisfy { abs($0 - plain[0]) < 1e-9 }, "LIF intervals \(plain)")
    }

    // MARK: EGRU

    /// A 3-4-2 feed-forward EGRU network: every synapse carries [w_u, w_r, w_z].
    func egruNetwork(seed: UInt64, solver: SolverConfig) throws -> Network {
        var rng = TestRNG(seed)
        func pop(_ n: Int) -> PopulationSpec {
            PopulationSpec(EGRU(), count: n, parameters: [
                "tmem": [8],
                "b_u": (0..<n).map { _ in rng.uniform(-1, 0) },
                "b_r": (0..<n).map { _ in rng.uniform(0, 1) },
                "b_z": (0..<n).map { _ in rng.uniform(0.6, 1.2) },
            ])
        }
        let layers = [pop(4), pop(2)]
        var syn: [Synapse] = []
        for c in 0..<3 { for n in 0..<4 { syn.append(Synapse(from: .input(c), to: n, weight: [rng.uniform(-1, 3), rng.uniform(-1, 1), rng.uniform(-1, 3)])) } }
        for m in 0..<4 { for n in 0..<2 { syn.append(Synapse(from: .neuron(m), to: 4 + n, weight: [rng.uniform(-1, 3), rng.uniform(-1, 1), rng.uniform(-1, 3)])) } }
        return try Network(inputCount: 3, populations: layers, synapses: syn, outputs: [4, 5], tmax: 40, solver: solver)
    }

    @Test("EGRU: reverse pass = finite differences (three weights per synapse, b_u, b_r, b_z, inputs; spikes and states)")
    func egruGradient() throws {
        let net = try egruNetwork(seed: 41, solver: SolverConfig(tableau: .rk4, dt: 0.05))
        #expect(net.weights.count == 3 * (12 + 8))
        // One check for spike trains and observed states (c, a_u, a_r, a_z) together.
        var cotangent = randomCotangent(net, observations: 3, seed: 43)
        cotangent.ttfs = nil
        cotangent.spikes = try helpers.spikeCotangent(net, seed: 42)
        let obs = ReadoutRequest(observationTimes: [4.3, 11.1, 17.9])
        let r = try finiteDifferenceCheck(net, input: Self.input, readout: obs, cotangent: cotangent)
        helpers.expectClean(r, "egru spikes and states")
    }

    @Test("EGRU: strong w_u, w_z inputs make the cell spike; with w_u = 0 and very negative biases c stays ~0")
    func egruBehaviour() throws {
        let solver = SolverConfig(tableau: .rk4, dt: 0.05)
        let times = (0..<12).map { 30.3173 + 2.1377 * Double($0) }
        let obs = ReadoutRequest(observationTimes: [10.5, 40.5, 55.5, 79.5])
        func run(weight: [Double], biases: [String: [Double]]) throws -> SimulationResult {
            let net = try Network(inputCount: 1, populations: [PopulationSpec(EGRU(), count: 1, parameters: biases)],
                                  synapses: [Synapse(from: .input(0), to: 0, weight: weight)], outputs: [0], tmax: 80, solver: solver)
            return try Simulator(network: net).run([times], readout: obs)
        }
        let driven = try run(weight: [4, 0, 4], biases: [:])
        #expect(driven.spikes[0].count >= 1, "EGRU with strong w_u, w_z should spike: \(driven.spikes)")
        #expect(driven.spikes[0].allSatisfy { $0 > times[0] })

        let gated = try run(weight: [0, 0, 4], biases: ["b_u": [-10]])
        #expect(gated.spikes[0].isEmpty)
        let c = gated.states[0].map { $0[0] }, aZ = gated.states[0].map { $0[3] }
        #expect(c.allSatisfy { abs($0) < 1e-3 }, "c should stay ~0 with the update gate closed: \(c)")
        #expect(aZ.contains { $0 > 1 }, "the modulation pre-activation is driven all the same: \(aZ)")
    }

    @Test("EGRU: a recurrent 2-unit network runs and its gradient matches finite differences")
    func egruRecurrent() throws {
        let pop = PopulationSpec(EGRU(), count: 2, parameters: ["tmem": [6], "b_u": [-0.5, 0.2], "b_r": [0.5], "b_z": [0.7, 0.9]])
        let syn = [
            Synapse(from: .input(0), to: 0, weight: [2.1, 0.3, 1.7]),
            Synapse(from: .input(0), to: 1, weight: [0.4, -0.6, 0.8]),
            Synapse(from: .neuron(0), to: 1, weight: [1.3, 0.5, 1.9]),
            Synapse(from: .neuron(1), to: 0, weight: [-0.7, 0.9, -1.2]),
        ]
        let net = try Network(inputCount: 1, populations: [pop], synapses: syn, outputs: [0, 1], tmax: 40,
                              solver: SolverConfig(tableau: .rk4, dt: 0.05))
        let input: [[Double]] = [[1.2719, 6.0483, 13.3311]]
        let base = try Simulator(network: net).run(input)
        #expect(base.spikes.allSatisfy { $0.count >= 2 }, "both units should spike: \(base.spikes)")
        let r = try finiteDifferenceCheck(net, input: input, readout: .full,
                                          cotangent: Cotangent(spikes: try helpers.spikeCotangent(net, seed: 44, input: input)))
        helpers.expectClean(r, "egru recurrent")
    }

    // MARK: Log time constants

    @Test("LogTimeConstants: parameters renamed log_x with log defaults, learnable by default, set by name")
    func logParameters() throws {
        let plif = PLIF()
        #expect(plif.parameters.map(\.name) == ["log_tmem", "log_tsyn", "thresh", "vreset", "ic"])
        #expect(plif.parameters[0].defaultValue == Foundation.log(20.0))
        #expect(plif.defaultLearnable == ["ic", "log_tmem", "log_tsyn"])
        let net = try Network.layered(inputCount: 1, layers: [PopulationSpec(plif, count: 2, parameters: ["log_tmem": [1.5, 2.5]])],
                                      weights: [[[1, 1]]], tmax: 10)
        #expect(net.parameter("log_tmem", ofNeuron: 1) == 2.5)
        #expect(net.learnableNames(ofNeuron: 0) == ["ic", "log_tmem", "log_tsyn"])

        // Derived defaults of the inner model see exp(log_x): EIF's vpeak depends on tmem.
        let eif = try Network.layered(inputCount: 1, layers: [PopulationSpec(EIF(), count: 1, parameters: ["tmem": [7]])], weights: [[[1]]], tmax: 10)
        let leif = try Network.layered(inputCount: 1, layers: [PopulationSpec(LogTimeConstants(EIF(), names: ["tmem"]), count: 1,
                                                                              parameters: ["log_tmem": [Foundation.log(7.0)]])], weights: [[[1]]], tmax: 10)
        #expect(abs(leif.parameter("vpeak", ofNeuron: 0)! - eif.parameter("vpeak", ofNeuron: 0)!) < 1e-12)
    }

    @Test("LogTimeConstants<LIF>: spike times equal plain LIF's with tmem = exp(log_tmem)")
    func plifEqualsLIF() throws {
        let solver = SolverConfig(tableau: .rk4, dt: 0.05)
        let logTmem = [1.7, 2.9, 2.2, 3.1], logTsyn = 1.3
        var rng = TestRNG(51)
        let w = [rng.matrix(3, 4, 0.5, 4), rng.matrix(4, 2, 0.5, 4)]
        let ic = (0..<4).map { _ in rng.uniform(0, 0.5) }
        let plif = try Network.layered(inputCount: 3, layers: [
            PopulationSpec(PLIF(), count: 4, parameters: ["log_tmem": logTmem, "log_tsyn": [logTsyn], "ic": ic]),
            PopulationSpec(PLIF(), count: 2, parameters: ["log_tmem": [2.4], "log_tsyn": [logTsyn]]),
        ], weights: w, tmax: 40, solver: solver)
        let lif = try Network.layered(inputCount: 3, layers: [
            PopulationSpec(LIF(), count: 4, parameters: ["tmem": logTmem.map { Foundation.exp($0) }, "tsyn": [Foundation.exp(logTsyn)], "ic": ic]),
            PopulationSpec(LIF(), count: 2, parameters: ["tmem": [Foundation.exp(2.4)], "tsyn": [Foundation.exp(logTsyn)]]),
        ], weights: w, tmax: 40, solver: solver)
        let a = try Simulator(network: plif).run(Self.input), b = try Simulator(network: lif).run(Self.input)
        #expect(a.spikes.map(\.count) == b.spikes.map(\.count))
        #expect(a.spikes.reduce(0) { $0 + $1.count } > 3)
        for (x, y) in zip(a.spikes.joined(), b.spikes.joined()) { #expect(abs(x - y) <= 1e-12, "\(x) vs \(y)") }
    }

    @Test("LogTimeConstants<LIF>: reverse pass = finite differences (log_tmem, log_tsyn, ic, weights, inputs)")
    func plifGradient() throws {
        let solver = SolverConfig(tableau: .rk4, dt: 0.05)
        let net = try smallNetwork({ PopulationSpec(PLIF(), count: $0, parameters: ["log_tmem": [2.3], "log_tsyn": [1.4]]) },
                                   solver: solver, seed: 61, wLo: 0.5, wHi: 4)
        #expect(net.learnableNames(ofNeuron: 0) == ["ic", "log_tmem", "log_tsyn"])
        let r = try finiteDifferenceCheck(net, input: Self.input, readout: .full, cotangent: Cotangent(spikes: try helpers.spikeCotangent(net, seed: 62)))
        helpers.expectClean(r, "plif spikes")
    }

    @Test("LogTimeConstants<QIF>: reverse pass = finite differences (log_tmem, log_tsyn, ic, weights, inputs; ttfs and states)")
    func pqifGradient() throws {
        let solver = SolverConfig(tableau: .rk4, dt: 0.02)
        let net = try smallNetwork({ PopulationSpec(PQIF(), count: $0, parameters: ["log_tmem": [2.6]]) },
                                   solver: solver, seed: 71, wLo: 2, wHi: 12)
        // One check for first-spike times and observed states (v, i) together.
        let obs = ReadoutRequest(observationTimes: [4.3, 11.1, 17.9])
        let r = try finiteDifferenceCheck(net, input: Self.input, readout: obs, cotangent: randomCotangent(net, observations: 3, seed: 73))
        helpers.expectClean(r, "pqif ttfs and states")
    }
}
