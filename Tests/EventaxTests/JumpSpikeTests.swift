import Testing
@testable import Eventax

/// A user model whose input jump moves the voltage itself (a delta synapse): the jump alone can
/// carry it over the threshold.
///
///     dv/dt = −v / tmem      input spike of weight w: v ← v + w      spike when v ≥ thresh, v ← v − thresh
struct DeltaLIF: NeuronModel {
    var stateNames: [String] { ["v"] }
    var parameters: [ParameterSpec] { [.init("tmem", 10, .positive), .init("thresh", 1)] }
    var defaultLearnable: [String] { ["tmem"] }
    func initialState<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) { s[0] = T(0) }
    func dynamics<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>, _ ds: Vars<T>) { ds[0] = -s[0] / p[0] }
    func spikeCondition<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) -> T { s[0] - p[1] }
    func inputJump<T: NeuronScalar>(_ s: Vars<T>, _ w: Vars<T>, _ p: Vars<T>) { s[0] = s[0] + w[0] }
    func reset<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) { s[0] = s[0] - p[1] }
}

/// A LIF whose input spike moves both the current and, by a fraction `kick` of the weight, the
/// voltage: it spikes both at jumps and at crossings during the flow.
///
///     dv/dt = (i + ic − v) / tmem      di/dt = −i / tsyn      input spike: v ← v + kick·w, i ← i + w
struct KickLIF: NeuronModel {
    var stateNames: [String] { ["v", "i"] }
    var parameters: [ParameterSpec] {
        [.init("tmem", 10, .positive), .init("tsyn", 5, .positive), .init("thresh", 1), .init("ic", 0), .init("kick", 0.5)]
    }
    var defaultLearnable: [String] { ["ic", "tmem", "kick"] }
    func initialState<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) { s[0] = T(0); s[1] = T(0) }
    func dynamics<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>, _ ds: Vars<T>) {
        let v = s[0], i = s[1], tmem = p[0], tsyn = p[1], ic = p[3]
        ds[0] = (i + ic - v) / tmem
        ds[1] = -i / tsyn
    }
    func spikeCondition<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) -> T { s[0] - p[2] }
    func inputJump<T: NeuronScalar>(_ s: Vars<T>, _ w: Vars<T>, _ p: Vars<T>) {
        s[0] = s[0] + p[4] * w[0]
        s[1] = s[1] + w[0]
    }
    func reset<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) { s[0] = s[0] - p[2] }
}

/// A jump that carries the spike condition from below zero to zero or above is a spike at the
/// jump's time; its time derivative is the delivery time's (an input time, a source spike time
/// plus delays).
@Suite("Spikes at input jumps")
struct JumpSpikeTests {
    /// Spikes located at a jump, and spikes located inside a step, of the last run of `sim`.
    func spikeKinds(_ sim: Simulator) -> (atJumps: Int, inSteps: Int) {
        var jumps = 0, steps = 0
        for s in sim.spikes {
            if sim.tapes[Int(s.neuron)].rec[Int(s.record) - 1].kind == .jump { jumps += 1 } else { steps += 1 }
        }
        return (jumps, steps)
    }

    /// One delta-synapse neuron, inputs of weight 0.6 at 1, 2 and 5 ms, tmem 10, threshold 1: by hand,
    /// v = 0.6 after the first; 0.6·e^(−0.1) + 0.6 = 1.1429 ≥ 1 at 2 ms, a spike there, then v = 0.1429;
    /// 0.1429·e^(−0.3) + 0.6 = 0.7058 at 5 ms, no spike. The spike time is the second input time, so its
    /// gradient is 1 w.r.t. that time and 0 w.r.t. everything else.
    @Test("Oracle: a delta synapse that crosses the threshold spikes at the input time", arguments: ["rk4", "tsit5"])
    func deltaSynapseOracle(method: String) throws {
        let adaptive: AdaptiveConfig? = method == "tsit5" ? AdaptiveConfig(rtol: 1e-8, atol: 1e-8) : nil
        let net = try Network.layered(inputCount: 1, layers: [PopulationSpec(DeltaLIF(), count: 1)], weights: [[[0.6]]], tmax: 20,
                                      solver: SolverConfig(tableau: .named(method)!, dt: 0.05, adaptive: adaptive))
        let input: [[Double]] = [[1, 2, 5]]
        let sim = Simulator(network: net)
        let r = try sim.run(input)
        #expect(r.spikes == [[2]])
        #expect(r.ttfs == [2])
        let g = try sim.gradient(Cotangent(ttfs: [1]))
        #expect(g.inputs == [[0, 1, 0]])
        #expect(g.weights == [0])
        #expect(g.parameters == [0])  // tmem: the spike time does not move with it while the crossing persists
        // Below the threshold the jump does nothing more: weight 0.5 gives v = 0.5 + 0.5·e^(−0.1) = 0.952 at 2 ms
        // and 0.952·e^(−0.3) + 0.5 = 1.2053 at 5 ms: a spike at the third input.
        let weaker = try Simulator(network: net.withWeights([0.5], parameters: net.parameters)).run(input)
        #expect(weaker.spikes == [[5]])
    }

    func kickNetwork(seed: UInt64, solver: SolverConfig) throws -> Network {
        try smallNetwork({ PopulationSpec(KickLIF(), count: $0) }, solver: solver, seed: seed, wLo: 0.3, wHi: 2.5, biasLo: 0, biasHi: 0.6)
    }

    @Test("Jump spikes and flow spikes together: reverse pass = finite differences (weights, parameters, inputs, delays)")
    func finiteDifferences() throws {
        let solver = SolverConfig(tableau: .rk4, dt: 0.02)
        let plain = try kickNetwork(seed: 61, solver: solver)
        let sim = Simulator(network: plain)
        _ = try sim.run(GradientTests.input)
        let kinds = spikeKinds(sim)
        #expect(kinds.atJumps >= 3 && kinds.inSteps >= 3, "the test needs both kinds of spikes: \(kinds)")

        let obs = ReadoutRequest(observationTimes: [4.3, 11.1, 17.9])
        let cases: [(String, ReadoutRequest, Cotangent)] = [
            ("ttfs", .ttfs, randomCotangent(plain, observations: 0, seed: 62)),
            ("states", obs, randomCotangent(plain, observations: 3, seed: 63)),
            ("spikes", .full, Cotangent(spikes: try GradientTests().spikeCotangent(plain, seed: 64))),
        ]
        for (label, readout, ct) in cases {
            let r = try finiteDifferenceCheck(plain, input: GradientTests.input, readout: readout, cotangent: ct)
            #expect(r.failures.isEmpty && r.checked >= 10, "\(label): \(r)")
        }
        let delayed = try plain.withRandomDelays(synapticLimit: 2, axonalLimit: 1, seed: 65)
        let delayedSim = Simulator(network: delayed)
        _ = try delayedSim.run(DelayTests.input)
        #expect(spikeKinds(delayedSim).atJumps >= 3, "the delayed network needs jump spikes: \(spikeKinds(delayedSim))")
        // Delays spread the deliveries over many distinct times, and every gap between them is cut
        // into constant steps anew: a smaller ε keeps the step counts (the structure) of more
        // perturbed runs equal to the base run's.
        try DelayTests().checkAll(delayed, readout: .full, cotangent: DelayTests().spikeCotangent(delayed, seed: 66),
                                  eps: 1e-5, minDelays: 10, "kick-lif delays")
    }

    @Test("Jump spikes of input-driven neurons are the same ahead of the event loop and inside it")
    func aheadEqualsEventLoop() throws {
        let solver = SolverConfig(tableau: .named("tsit5")!, dt: 0.1, adaptive: AdaptiveConfig(rtol: 1e-6, atol: 1e-6))
        var rng = TestRNG(71)
        let hidden = PopulationSpec(KickLIF(), count: 6, parameters: ["ic": (0..<6).map { _ in rng.uniform(0, 0.6) }])
        let net = try Network.layered(inputCount: 5, layers: [hidden, PopulationSpec(LI(), count: 2)],
                                      weights: [rng.matrix(5, 6, 0.3, 2.5), rng.matrix(6, 2, -1, 1)], tmax: 30, solver: solver)
        let input = rng.spikeTimes(channels: 5, perChannel: 3, 0, 25)
        let ahead = Simulator(network: net)
        _ = try ahead.run(input, readout: ReadoutRequest(observationTimes: [10, 29]))
        #expect(spikeKinds(ahead).atJumps >= 3, "the comparison needs jump spikes: \(spikeKinds(ahead))")
        try InputDrivenTests().compare(net, input, ReadoutRequest(observationTimes: [10, 29]), randomCotangent(net, observations: 2, seed: 72))
    }
}
