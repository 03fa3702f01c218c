import Testing
import Foundation
@testable import Eventax

/// The multi-compartment dendrite neuron: reverse-mode gradients against finite differences (the
/// tolerances of every other model), the non-monotone dendritic response it exists for, XOR of two
/// inputs in one dendrite, the 7- and 14-dendrite configurations and the network file format.
/// Input times are kept off the solvers' step grids.
@Suite("MultiCompartment") struct MultiCompartmentTests {
    let helpers = GradientTests()
    static let input = GradientTests.input
    static let solver = SolverConfig(tableau: .rk4, dt: 0.05)

    /// A 3-3-2 feed-forward network of `dendrites`-compartment neurons: every synapse carries one
    /// weight per dendrite, drawn from [0.5, 3] (around the dCaAP threshold, ≈ 1.65 with the
    /// defaults, and below the attenuation, theta_att = 4). With a soma threshold of 1.2 each
    /// neuron spikes a few times.
    func network(dendrites: Int, seed: UInt64, learnable: [String]? = nil) throws -> Network {
        var rng = TestRNG(seed)
        let model = try MultiCompartment(dendrites: dendrites)
        func pop(_ n: Int) -> PopulationSpec {
            PopulationSpec(model, count: n, parameters: [
                "thresh": [1.2],
                "ic": (0..<n).map { _ in rng.uniform(0.05, 0.2) },
                "tmem": (0..<n).map { _ in rng.uniform(8, 15) },
            ], learnable: learnable)
        }
        let layers = [pop(3), pop(2)]
        func weight() -> [Double] { (0..<dendrites).map { _ in rng.uniform(0.5, 3) } }
        var syn: [Synapse] = []
        for c in 0..<3 { for n in 0..<3 { syn.append(Synapse(from: .input(c), to: n, weight: weight())) } }
        for m in 0..<3 { for n in 0..<2 { syn.append(Synapse(from: .neuron(m), to: 3 + n, weight: weight())) } }
        return try Network(inputCount: 3, populations: layers, synapses: syn, outputs: [3, 4], tmax: 40, solver: Self.solver)
    }

    // MARK: Layout and configurations

    @Test("Layout, initial state, input jump, log time constants; dendrites < 1 is an error")
    func layout() throws {
        let m = try MultiCompartment(dendrites: 2)
        #expect(m.stateNames == ["v", "i_0", "i_1", "vd_0", "vd_1", "h_0", "h_1"])
        #expect(m.parameters.map(\.name) == MultiCompartment.sharedParameterNames + ["tdend_0", "tdend_1", "tsyn_0", "tsyn_1"])
        #expect(m.weightsPerSynapse == 2)
        #expect(m.defaultLearnable == ["tmem", "tdend_0", "tdend_1", "tsyn_0", "tsyn_1", "ic"])
        for bad in [0, -3] {
            #expect(throws: EventaxError.invalid(field: "dendrites", "must be ≥ 1, got \(bad)")) { try MultiCompartment(dendrites: bad) }
        }
        // The initial state is v = i = vd = 0, h = 1; an input spike adds its k-th weight to i_k.
        let net = try Network(inputCount: 1, populations: [PopulationSpec(m, count: 1)],
                              synapses: [Synapse(from: .input(0), to: 0, weight: [1.25, -0.5])], outputs: [0], tmax: 3, solver: Self.solver)
        let r = try Simulator(network: net).run([[1.0173]], readout: ReadoutRequest(observationTimes: [0, 1.0173 + 1e-9]))
        #expect(r.states[0][0] == [0, 0, 0, 0, 0, 1, 1])
        #expect(abs(r.states[0][1][1] - 1.25) < 1e-6 && abs(r.states[0][1][2] + 0.5) < 1e-6)

        // Log-parameterized time constants: same trajectories with tdend_0 = exp(log_tdend_0).
        let logModel = LogTimeConstants(m, names: ["tmem", "tdend_0"])
        #expect(logModel.defaultLearnable == ["tdend_1", "tsyn_0", "tsyn_1", "ic", "log_tmem", "log_tdend_0"])
        let times = [4.3, 11.1, 17.9]
        func observed<M: NeuronModel>(_ model: M, _ parameters: [String: [Double]]) throws -> [[Double]] {
            let net = try Network(inputCount: 1, populations: [PopulationSpec(model, count: 1, parameters: parameters)],
                                  synapses: [Synapse(from: .input(0), to: 0, weight: [2.5, 1.2])], outputs: [0], tmax: 20, solver: Self.solver)
            return try Simulator(network: net).run([[1.0173]], readout: ReadoutRequest(observationTimes: times)).states[0]
        }
        let plain = try observed(m, ["tdend_0": [3]]), logged = try observed(logModel, ["log_tdend_0": [Foundation.log(3.0)]])
        #expect(plain[2][3] > 3, "dendrite 0 should fire a dCaAP: \(plain)")
        for (x, y) in zip(plain.joined(), logged.joined()) { #expect(abs(x - y) <= 1e-12, "\(x) vs \(y)") }
    }

    @Test("The paper's 7 and 14 dendrites: every time constant learnable by default; both run and differentiate", arguments: [7, 14])
    func paperConfigurations(dendrites: Int) throws {
        let m = try MultiCompartment(dendrites: dendrites)
        let lanes = m.stateNames.count + m.defaultLearnable.count + m.weightsPerSynapse
        // Every membrane and synaptic time constant plus ic: 7 dendrites 22 states + 16 + 7 weights
        // = 45 lanes, 14 dendrites 43 + 30 + 14 = 87 lanes (both beyond the duals' 16: recorded reverse pass).
        #expect(m.defaultLearnable.count == 2 * dendrites + 2 && lanes == 6 * dendrites + 3)
        // Two input channels reaching every dendrite of one neuron, weights around the dCaAP threshold.
        var rng = TestRNG(UInt64(90 + dendrites))
        let syn = (0..<2).map { c in Synapse(from: .input(c), to: 0, weight: (0..<dendrites).map { _ in rng.uniform(1.2, 2.8) }) }
        let net = try Network(inputCount: 2, populations: [PopulationSpec(m, count: 1, parameters: ["thresh": [0.5], "ic": [0.1]])],
                              synapses: syn, outputs: [0], tmax: 40, solver: Self.solver)
        #expect(net.learnableNames(ofNeuron: 0) == m.defaultLearnable)
        let input: [[Double]] = [[1.0137, 9.5412], [3.2291]]
        let base = try Simulator(network: net).run(input)
        #expect(base.spikes[0].count >= 2, "the neuron should spike: \(base.spikes)")
        var cotangent = randomCotangent(net, observations: 2, seed: UInt64(dendrites))
        cotangent.ttfs = nil
        cotangent.spikes = try helpers.spikeCotangent(net, seed: 93, input: input)
        let obs = ReadoutRequest(observationTimes: [6.3, 17.9])
        let r = try finiteDifferenceCheck(net, input: input, readout: obs, cotangent: cotangent)
        helpers.expectClean(r, "multicompartment \(dendrites) dendrites")
        print("[MultiCompartment FD] \(dendrites) dendrites, default learnable: \(r)")
    }

    // MARK: Gradients

    @Test("Reverse pass = finite differences (per-dendrite weights, every time constant, ic, gc, gca, v1, theta_att, inputs; spikes and states)")
    func gradient() throws {
        let learnable = ["tmem", "tdend_0", "tdend_1", "tsyn_0", "tsyn_1", "ic", "gc", "gca", "v1", "theta_att"]
        let net = try network(dendrites: 2, seed: 84, learnable: learnable)
        #expect(net.weights.count == 2 * (9 + 6))
        #expect(net.learnableNames(ofNeuron: 4) == learnable)
        // One check for spike trains and observed states (v, i_k, vd_k, h_k) together.
        var cotangent = randomCotangent(net, observations: 3, seed: 83)
        cotangent.ttfs = nil
        cotangent.spikes = try helpers.spikeCotangent(net, seed: 82)
        let obs = ReadoutRequest(observationTimes: [4.3, 11.1, 17.9])
        let r = try finiteDifferenceCheck(net, input: Self.input, readout: obs, cotangent: cotangent)
        helpers.expectClean(r, minChecked: 60, "multicompartment spikes and states")
        print("[MultiCompartment FD] 2 dendrites, 3-3-2: \(r)")
    }

    @Test("Reverse pass = finite differences for first spike times with the default learnable parameters")
    func gradientTTFS() throws {
        let net = try network(dendrites: 3, seed: 85)
        #expect(net.learnableNames(ofNeuron: 0) == ["tmem", "tdend_0", "tdend_1", "tdend_2", "tsyn_0", "tsyn_1", "tsyn_2", "ic"])
        let base = try Simulator(network: net).run(Self.input, readout: .ttfs)
        #expect(base.ttfs.allSatisfy { $0 != nil }, "both outputs should spike: \(base.ttfs)")
        let r = try finiteDifferenceCheck(net, input: Self.input, readout: .ttfs, cotangent: Cotangent(ttfs: [0.7, -1.3]))
        helpers.expectClean(r, "multicompartment ttfs")
        print("[MultiCompartment FD] 3 dendrites, ttfs: \(r)")
    }

    // MARK: Behaviour

    /// One neuron with one dendrite and `inputs` channels, each with weight `w` to the dendrite;
    /// the soma threshold `thresh` (default: never reached) and every other parameter at its default.
    func singleDendrite(inputs: Int, w: Double, thresh: Double = 100) throws -> Network {
        try Network(inputCount: inputs, populations: [PopulationSpec(try MultiCompartment(dendrites: 1), count: 1, parameters: ["thresh": [thresh]])],
                    synapses: (0..<inputs).map { Synapse(from: .input($0), to: 0, weight: [w]) }, outputs: [0], tmax: 100, solver: Self.solver)
    }

    /// Observation times every 0.25 ms, off the step grid.
    static let fineTimes = (0..<396).map { 0.0731 + 0.25 * Double($0) }

    /// The peak of the dendritic voltage vd_0 and of the soma voltage v after one input spike of weight `w` at 5.2173 ms.
    func peaks(w: Double) throws -> (dendrite: Double, soma: Double) {
        let r = try Simulator(network: try singleDendrite(inputs: 1, w: w)).run([[5.2173]], readout: ReadoutRequest(observationTimes: Self.fineTimes))
        let m = try MultiCompartment(dendrites: 1)
        let vd = m.stateNames.firstIndex(of: "vd_0")!, v = m.stateNames.firstIndex(of: "v")!
        return (r.states[0].map { $0[vd] }.max()!, r.states[0].map { $0[v] }.max()!)
    }

    /// With the defaults a dendrite's passive response to a weight w peaks at about w/e (tsyn = tdend
    /// = 5). Weight 1 stays passive (peak ≈ 0.37). From about 1.65 the Morris–Lecar activation
    /// regenerates a dCaAP that lifts vd to ≈ gca·h ≈ 4. Weight 5 puts the synaptic drive above
    /// theta_att + 3·delta_att = 4.9, which inactivates h within ≈ tatt = 0.2 ms, long before the
    /// dendritic membrane (tdend = 5 ms) reaches v1 = 1: only the passive response remains
    /// (peak ≈ 5/e ≈ 1.9), less than half the dCaAP, though driven twice as hard as by weight 2.5.
    @Test("A dendrite's response is non-monotone in input strength: weak passive, medium full dCaAP, strong attenuated")
    func nonMonotone() throws {
        let weak = try peaks(w: 1), medium = try peaks(w: 2.5), strong = try peaks(w: 5)
        #expect(weak.dendrite < 0.6, "weak input: \(weak)")
        #expect(medium.dendrite > 3.5, "medium input should evoke a full dCaAP: \(medium)")
        #expect(strong.dendrite < 0.5 * medium.dendrite, "strong input should be attenuated: \(strong) vs \(medium)")
        #expect(strong.dendrite > weak.dendrite)
        #expect(strong.soma < 0.5 * medium.soma && medium.soma > 5 * weak.soma, "soma drive \(weak) \(medium) \(strong)")
        // Over a sweep the dendritic peak rises to a maximum and falls again (Gidon et al., Fig. 3).
        let sweep = try stride(from: 1.0, through: 5.0, by: 0.5).map { try peaks(w: $0).dendrite }
        let top = sweep.indices.max { sweep[$0] < sweep[$1] }!
        #expect(top > 0 && top < sweep.count - 1, "the maximum should be inside the sweep: \(sweep)")
        #expect(sweep.last! < 0.5 * sweep[top], "sweep \(sweep)")
        print("[MultiCompartment] peak vd for w = 1, 1.5, …, 5: \(sweep.map { ($0 * 1000).rounded() / 1000 })")
    }

    /// XOR in one dendrite, with hand-chosen weights (the defaults otherwise; one dendrite, gc = 0.5):
    /// each input has weight 2.5, inside the window between the dCaAP threshold (≈ 1.65) and the
    /// attenuation (theta_att − 3·delta_att = 3.1), so one active input evokes a full dCaAP
    /// (vd ≈ 4, ≈ 30 ms wide at half height). The soma relaxes toward gc·vd/(1 + gc) = vd/3 with
    /// tmem = 20 ms and peaks near 0.95. Both inputs 0.22 ms apart add to a drive of ≈ 4.9, which
    /// inactivates the dCaAP before it starts; the passive response (peak vd ≈ 1.9) lifts the soma
    /// to only ≈ 0.34. A soma threshold of 0.6 separates the two; no input leaves the soma at rest.
    @Test("A single dendrite computes XOR of two inputs: the soma spikes for exactly one active input")
    func xor() throws {
        let net = try singleDendrite(inputs: 2, w: 2.5, thresh: 0.6)
        let sim = Simulator(network: net)
        let a = 5.2173, b = 5.4391
        let cases: [(String, [[Double]], Bool)] = [("neither", [[], []], false), ("A", [[a], []], true), ("B", [[], [b]], true), ("both", [[a], [b]], false)]
        for (label, input, fires) in cases {
            let spikes = try sim.run(input).spikes[0]
            #expect(spikes.isEmpty != fires, "\(label): soma spikes \(spikes)")
        }
    }

    // MARK: Network files

    @Test("Yin-Yang setup (§IV-G): one neuron per class, TTFS directly on them, state-based through LI readouts; bad --dendrites is an error")
    func yinYangNetworks() throws {
        var c = TrainingConfig()
        c.neuron = "multicompartment"; c.dendrites = 3
        try c.validate()
        let ttfs = try Classifier.initialNetwork(c)
        #expect(ttfs.neuronCount == 3 && ttfs.outputs == [0, 1, 2])
        #expect(ttfs.synapses.count == 5 * 3 && ttfs.synapses.allSatisfy { $0.weight.count == 3 })
        let input = YinYangTask.encode(YinYang.generate(.train)[0])
        let r = try Simulator(network: ttfs).run(input, readout: Classifier.readout(c))
        #expect(r.ttfs.count == 3)
        c.loss = .expIntegral
        let state = try Classifier.initialNetwork(c)
        #expect(state.neuronCount == 6 && state.outputs == [3, 4, 5])
        #expect(state.synapses.count == 5 * 3 + 3 * 3)
        let states = try Simulator(network: state).run(input, readout: Classifier.readout(c)).states
        #expect(states.count == 3 && states.allSatisfy { $0.allSatisfy { $0.allSatisfy(\.isFinite) } })
        c.dendrites = 0
        do { try c.validate(); Issue.record("expected an error") } catch { #expect("\(error)".hasPrefix("--dendrites:"), "\(error)") }
    }

    @Test("General network format: multicompartment with dendrites (and amos) round-trips bitwise; bad uses are errors")
    func networkFile() throws {
        let doc = """
        {"format": "general", "version": 1, "inputs": 2,
         "populations": [
           {"model": "multicompartment", "dendrites": 3, "count": 2, "parameters": {"thresh": 0.4, "tsyn_2": [4, 6]}},
           {"model": "MultiCompartment", "dendrites": 2, "count": 1, "wrap": ["amos"], "learnable": ["tmem", "gca"]}
         ],
         "connections": [
           {"from": "input", "to": 0, "weights": [[[1.5, 2, 2.5], [2, 2, 1]], [[1, 2.2, 1.8], [2.6, 1.4, 2]]]},
           {"from": 0, "to": 1, "synapses": [[0, 0, 2.5, 1.5], [1, 0, 1.8, 2.2]]}
         ],
         "outputs": [2], "tmax": 30}
        """
        let file = try NetworkFile(parsing: doc)
        let net = file.network
        #expect(net.model(ofNeuron: 0) is MultiCompartment && net.model(ofNeuron: 2) is AMOS<MultiCompartment>)
        #expect((net.model(ofNeuron: 0) as? MultiCompartment)?.dendrites == 3)
        #expect(net.weights.count == 4 * 3 + 2 * 2)
        #expect(net.parameter("tsyn_2", ofNeuron: 1) == 6)
        #expect(net.learnableNames(ofNeuron: 2) == ["tmem", "gca"])
        let json = try NetworkFile.generalJSON(net)
        let back = try NetworkFile(json: json).network
        #expect(NetworkFormatTests.sameNetwork(net, back))
        let input: [[Double]] = [[1.0137, 9.5412], [3.2291]]
        let ra = try Simulator(network: net).run(input), rb = try Simulator(network: back).run(input)
        #expect(NetworkFormatTests.identical(ra, rb))
        #expect(ra.spikes[0].count + ra.spikes[1].count > 0, "the first population should spike: \(ra.spikes)")

        // Without dendrites: the default, 7.
        let seven = try NetworkFile(parsing: #"{"format": "general", "version": 1, "inputs": 0, "populations": [{"model": "multicompartment", "count": 1}], "outputs": [0], "tmax": 1}"#)
        #expect((seven.network.model(ofNeuron: 0) as? MultiCompartment)?.dendrites == NetworkFile.defaultDendrites)

        func population(_ p: String) -> String {
            #"{"format": "general", "version": 1, "inputs": 0, "populations": [\#(p)], "outputs": [], "tmax": 1}"#
        }
        let formats = NetworkFormatTests()
        formats.expectError("populations[0].dendrites", "must be ≥ 1, got 0") {
            _ = try NetworkFile(parsing: population(#"{"model": "multicompartment", "dendrites": 0, "count": 1}"#))
        }
        formats.expectError("populations[0].dendrites", "expected an integer") {
            _ = try NetworkFile(parsing: population(#"{"model": "multicompartment", "dendrites": 2.5, "count": 1}"#))
        }
        formats.expectError("populations[0].dendrites", "unknown key (allowed keys: model, count, parameters, learnable, wrap, axonal_delays)") {
            _ = try NetworkFile(parsing: population(#"{"model": "lif", "dendrites": 3, "count": 1}"#))
        }
        #expect(throws: EventaxError.invalid(field: "pop.dendrites", "applies to the multicompartment model only, not egru")) {
            try NetworkFile.generalModelSpec(name: "egru", count: 1, dendrites: 3, field: "pop")
        }
        formats.expectError("populations[0].wrap[0]", "takes only the amos wrapper") {
            _ = try NetworkFile(parsing: population(#"{"model": "multicompartment", "count": 1, "wrap": ["refractory"]}"#))
        }
        formats.expectError("populations[0].parameters.tdend_3", "not a parameter of the multicompartment model") {
            _ = try NetworkFile(parsing: population(#"{"model": "multicompartment", "dendrites": 3, "count": 1, "parameters": {"tdend_3": 2}}"#))
        }
        formats.expectError("populations[0].model", "integrating_li), or multicompartment (with a dendrites key)") {
            _ = try NetworkFile(parsing: population(#"{"model": "dendrite", "count": 1}"#))
        }
    }
}
