import Testing
import Foundation
@testable import Eventax

/// The README's custom model: a user-defined neuron with no closed form.
struct SineNeuron: NeuronModel {
    var stateNames: [String] { ["v", "i"] }
    var parameters: [ParameterSpec] { [.init("tm", 1, .positive), .init("ts", 5, .positive), .init("b", 0), .init("thresh", 0.5)] }
    var defaultLearnable: [String] { ["b", "tm"] }
    func initialState<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) { s[0] = T(0); s[1] = T(0) }
    func dynamics<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>, _ ds: Vars<T>) {
        let v = s[0], i = s[1], tm = p[0], ts = p[1], b = p[2]
        ds[0] = -(T.sin(v) + T.cos(i + b)) / tm
        ds[1] = -i / ts
    }
    func spikeCondition<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) -> T { s[0] - p[3] }
    func inputJump<T: NeuronScalar>(_ s: Vars<T>, _ w: Vars<T>, _ p: Vars<T>) { s[1] = s[1] + w[0] }
    func reset<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) { s[0] = T(0) }
}

/// A 3-4-2 feed-forward network of one model with random weights and biases.
func smallNetwork(_ spec: (Int) -> PopulationSpec, solver: SolverConfig, seed: UInt64, wLo: Double, wHi: Double,
                  biasLo: Double = -0.1, biasHi: Double = 0.1, tmax: Double = 40, outputSpec: PopulationSpec? = nil) throws -> Network {
    var rng = TestRNG(seed)
    var hidden = spec(4), output = outputSpec ?? spec(2)
    if hidden.model.parameterIndex("ic") != nil { hidden.parameters["ic"] = (0..<4).map { _ in rng.uniform(biasLo, biasHi) } }
    if outputSpec == nil, output.model.parameterIndex("ic") != nil { output.parameters["ic"] = (0..<2).map { _ in rng.uniform(biasLo, biasHi) } }
    return try Network.layered(inputCount: 3, layers: [hidden, output],
                               weights: [rng.matrix(3, 4, wLo, wHi), rng.matrix(4, 2, wLo, wHi)], tmax: tmax, solver: solver)
}

func randomCotangent(_ net: Network, observations: Int, seed: UInt64) -> Cotangent {
    var rng = TestRNG(seed)
    let ttfs = net.outputs.map { _ in rng.uniform(-1, 1) }
    let states: [[[Double]]]? = observations == 0 ? nil : net.outputs.map { o in
        (0..<observations).map { _ in net.model(ofNeuron: o).observableNames.map { _ in rng.uniform(-1, 1) } }
    }
    return Cotangent(ttfs: ttfs, states: states)
}

@Suite struct GradientTests {
    static let input: [[Double]] = [[1.0137, 9.5412], [3.2291], [5.1733, 12.7089]]
    static let fixedSolvers = ButcherTableau.builtInNames

    func expectClean(_ r: FDReport, minChecked: Int = 10, _ label: String) {
        #expect(r.failures.isEmpty, "\(label): \(r)")
        #expect(r.checked >= minChecked, "\(label): too few components checked: \(r)")
    }

    @Test("LIF: reverse pass = finite differences, every solver with fixed steps", arguments: fixedSolvers)
    func lifEverySolver(method: String) throws {
        let solver = SolverConfig(tableau: .named(method)!, dt: 0.05)
        let net = try smallNetwork({ PopulationSpec(LIF(), count: $0, learnable: ["ic", "tmem", "tsyn", "thresh"]) }, solver: solver,
                                   seed: 1, wLo: 0.5, wHi: 4)
        let r = try finiteDifferenceCheck(net, input: Self.input, readout: .full,
                                          cotangent: Cotangent(spikes: try spikeCotangent(net, seed: 3)), eps: 1e-5)
        expectClean(r, "lif \(method)")
    }

    @Test("QIF, EIF, Izhikevich, custom: ttfs, states and spike trains match finite differences")
    func models() throws {
        let solver = SolverConfig(tableau: .rk4, dt: 0.02)
        // ε per model: EIF is stiff near its cut-off, so its fourth-order differences need a smaller step.
        let cases: [(String, Network, Double)] = [
            ("qif", try smallNetwork({ PopulationSpec(QIF(), count: $0, learnable: ["ic", "tmem"]) }, solver: solver, seed: 2, wLo: 2, wHi: 12), 1e-4),
            ("eif", try smallNetwork({ PopulationSpec(EIF(), count: $0, learnable: ["ic", "deltaT"]) }, solver: solver, seed: 3, wLo: 1, wHi: 6), 1e-6),
            ("izhikevich", try smallNetwork({ PopulationSpec(Izhikevich(), count: $0, learnable: ["ic", "a", "d"]) }, solver: SolverConfig(tableau: .rk4, dt: 0.01),
                                            seed: 4, wLo: 5, wHi: 30, biasLo: 0, biasHi: 2, tmax: 25), 1e-4),
            ("custom", try smallNetwork({ PopulationSpec(SineNeuron(), count: $0) }, solver: solver, seed: 5, wLo: 1, wHi: 4), 1e-4),
        ]
        for (name, net, eps) in cases {
            let ttfs = try finiteDifferenceCheck(net, input: Self.input, readout: .ttfs, cotangent: randomCotangent(net, observations: 0, seed: 7), eps: eps)
            expectClean(ttfs, "\(name) ttfs")
            let obs = ReadoutRequest(observationTimes: [4.3, 11.1, 17.9])
            let st = try finiteDifferenceCheck(net, input: Self.input, readout: obs, cotangent: randomCotangent(net, observations: 3, seed: 8), eps: eps)
            expectClean(st, "\(name) states")
            let sp = try finiteDifferenceCheck(net, input: Self.input, readout: .full, cotangent: Cotangent(spikes: try spikeCotangent(net, seed: 9)), eps: eps)
            expectClean(sp, "\(name) spikes")
        }
    }

    /// Step-size decisions are not differentiated (as in Diffrax), while finite differences see the
    /// controller react to the perturbation; that difference is of the order of the tolerance, so
    /// the comparison uses a tight one.
    @Test("Adaptive Bosh3, Tsit5 and Dopri5: reverse pass = finite differences of the adaptive forward", arguments: ["bosh3", "tsit5", "dopri5"])
    func adaptive(method: String) throws {
        let solver = SolverConfig(tableau: .named(method)!, dt: 0.1, adaptive: AdaptiveConfig(rtol: 1e-11, atol: 1e-11))
        let net = try smallNetwork({ PopulationSpec(QIF(), count: $0) }, solver: solver, seed: 11, wLo: 2, wHi: 12)
        let r = try finiteDifferenceCheck(net, input: Self.input, readout: .full, cotangent: Cotangent(spikes: try spikeCotangent(net, seed: 12)))
        expectClean(r, "\(method) adaptive")
    }

    @Test("Hidden QIF with an LI readout: state gradients")
    func liReadout() throws {
        let solver = SolverConfig(tableau: .heun, dt: 0.05)
        let net = try smallNetwork({ PopulationSpec(QIF(), count: $0) }, solver: solver, seed: 13, wLo: 2, wHi: 12,
                                   outputSpec: PopulationSpec(LI(), count: 2))
        let obs = ReadoutRequest(observationTimes: [8, 20, 39.5])
        let r = try finiteDifferenceCheck(net, input: Self.input, readout: obs, cotangent: randomCotangent(net, observations: 3, seed: 14))
        expectClean(r, "qif+li states")
    }

    @Test("Recurrent network (no self-connections): reverse pass = finite differences")
    func recurrent() throws {
        var rng = TestRNG(21)
        var syn: [Synapse] = []
        for c in 0..<2 { for n in 0..<4 { syn.append(Synapse(from: .input(c), to: n, weight: [rng.uniform(0.5, 3)])) } }
        for m in 0..<4 { for n in 0..<4 where m != n { syn.append(Synapse(from: .neuron(m), to: n, weight: [rng.uniform(-1, 2)])) } }
        let pop = PopulationSpec(LIF(), count: 4, parameters: ["ic": (0..<4).map { _ in rng.uniform(0.2, 0.8) }], learnable: ["ic", "tsyn"])
        let net = try Network(inputCount: 2, populations: [pop], synapses: syn, outputs: [2, 3], tmax: 30,
                              solver: SolverConfig(tableau: .midpoint, dt: 0.05))
        let input: [[Double]] = [[0.5173, 4.0219, 7.5331], [2.0417, 6.1123]]
        let r = try finiteDifferenceCheck(net, input: input, readout: .full, cotangent: Cotangent(spikes: try spikeCotangent(net, seed: 22, input: input)))
        expectClean(r, "recurrent")
    }

    /// A random cotangent on every spike of every neuron (the network is simulated once to count them).
    func spikeCotangent(_ net: Network, seed: UInt64, input: [[Double]] = GradientTests.input) throws -> [[Double]] {
        var rng = TestRNG(seed)
        let r = try Simulator(network: net).run(input)
        #expect(r.spikes.reduce(0) { $0 + $1.count } > 3, "the test network should spike")
        return r.spikes.map { $0.map { _ in rng.uniform(-1, 1) } }
    }
}
