import Testing
@testable import Eventax

/// Input-driven neurons (fed only by every input channel, without delays) are integrated ahead of
/// the other neurons, in lockstep between input spikes: through the whole trial when the readout
/// runs to tmax, one input spike at a time when it stops at the first output spikes. That must not
/// change the computation: the same records, readouts and gradients as when they go through the
/// queue with everything else.
@Suite("Input-driven neurons simulated ahead of the event loop")
struct InputDrivenTests {
    /// Runs `input` with and without the ahead pass and demands identical results. Input-time
    /// gradients are sums over the targets of an input spike, which the two passes add in different
    /// orders: they must agree to rounding; everything else bit for bit. When the readout stops at
    /// the first output spikes, the ahead pass may have committed events up to the next input time
    /// past the stop (they get zero cotangents): then the event and record counts may be larger.
    /// `cotangent` makes the cotangent from the result of the run without the ahead pass.
    /// With a readout that stops early, the ahead pass is also run in slices of 1 and 5 steps and
    /// in unlimited ones (a whole inter-input interval at a time).
    func compare(_ net: Network, _ input: [[Double]], _ readout: ReadoutRequest, _ cotangent: (SimulationResult) -> Cotangent) throws {
        for slice in readout.stopAfterFirstOutputSpikes ? [64, 1, 5, .max] : [64] {
            try compare(net, input, readout, aheadSliceSteps: slice, cotangent)
        }
    }

    func compare(_ net: Network, _ input: [[Double]], _ readout: ReadoutRequest, aheadSliceSteps: Int,
                 _ cotangent: (SimulationResult) -> Cotangent) throws {
        let ahead = Simulator(network: net), loop = Simulator(network: net)
        #expect(ahead.aheadSliceSteps == 64)
        ahead.aheadSliceSteps = aheadSliceSteps
        loop.simulatesInputDrivenAhead = false
        let a = try ahead.run(input, readout: readout), b = try loop.run(input, readout: readout)
        let ct = cotangent(b)
        #expect(a.spikes == b.spikes)
        #expect(a.ttfs == b.ttfs)
        #expect(a.states == b.states)
        if readout.stopAfterFirstOutputSpikes {
            #expect(zip(a.committedRecords, b.committedRecords).allSatisfy { $0 >= $1 })
            #expect(a.eventCount >= b.eventCount)
            #expect(a.deliveryCount >= b.deliveryCount)
        } else {
            #expect(a.committedRecords == b.committedRecords)
            #expect(a.eventCount == b.eventCount)
            #expect(a.deliveryCount == b.deliveryCount)
        }
        // The events are committed spikes and deliveries; the listed spikes are among the committed ones.
        for r in [a, b] { #expect(r.eventCount - r.deliveryCount >= r.spikes.reduce(0) { $0 + $1.count }) }
        #expect(a.spikes.reduce(0) { $0 + $1.count } > 0, "the comparison needs spikes")
        let ga = try ahead.gradient(ct), gb = try loop.gradient(ct)
        #expect(ga.weights == gb.weights)
        #expect(ga.parameters == gb.parameters)
        #expect(ga.delays == gb.delays)
        #expect(ga.axonalDelays == gb.axonalDelays)
        #expect(ga.weights.contains { $0 != 0 }, "the comparison needs non-zero gradients")
        let scale = gb.inputs.flatMap { $0 }.reduce(0) { max($0, abs($1)) }
        for (x, y) in zip(ga.inputs.flatMap { $0 }, gb.inputs.flatMap { $0 }) {
            #expect(abs(x - y) <= 1e-12 * scale, "input-time gradient \(x) vs \(y)")
        }
    }

    func compare(_ net: Network, _ input: [[Double]], _ readout: ReadoutRequest, _ ct: Cotangent) throws {
        try compare(net, input, readout) { _ in ct }
    }

    static let tsit5 = SolverConfig(tableau: .named("tsit5")!, dt: 0.1, adaptive: AdaptiveConfig(rtol: 1e-6, atol: 1e-6))

    @Test("LIF hidden layer with an LI readout: states, spikes and gradients unchanged (ties in input times, silent channels)",
          arguments: [1, 2, 3] as [UInt64])
    func stateReadout(seed: UInt64) throws {
        var rng = TestRNG(seed)
        let channels = 30, hidden = 40
        let layers = [PopulationSpec(LIF(), count: hidden, parameters: ["ic": (0..<hidden).map { _ in rng.uniform(0.2, 0.9) }]),
                      PopulationSpec(LI(), count: 4)]
        let weights = [rng.matrix(channels, hidden, -0.5, 1.5), rng.matrix(hidden, 4, -1, 1)]
        let net = try Network.layered(inputCount: channels, layers: layers, weights: weights, tmax: 40, solver: Self.tsit5)
        #expect(net.inputDriven.count == hidden)
        // Times on a coarse grid (many spikes share a time, as latency-coded pixels do); some channels silent.
        let input = (0..<channels).map { c -> [Double] in c % 7 == 3 ? [] : [(rng.uniform(0, 20) * 2).rounded() / 2] }
        let times = stride(from: 2.5, through: 40, by: 2.5).map { $0 }
        let ct = Cotangent(states: (0..<4).map { _ in times.map { _ in [rng.uniform(-1, 1), 0] } },
                           spikes: (0..<net.neuronCount).map { _ in [] })
        try compare(net, input, ReadoutRequest(observationTimes: times), ct)
        // Every input spike reaches every hidden neuron and every hidden spike every readout.
        let r = try Simulator(network: net).run(input, readout: ReadoutRequest(observationTimes: times))
        let hiddenSpikes = r.spikes.prefix(hidden).reduce(0) { $0 + $1.count }
        #expect(hiddenSpikes > 0)
        #expect(r.deliveryCount == input.reduce(0) { $0 + $1.count } * hidden + hiddenSpikes * 4)
    }

    @Test("QIF 5-20-3, adaptive and fixed steps: spike trains and spike-time gradients unchanged", arguments: [1, 2, 3, 4] as [UInt64])
    func spikingReadout(seed: UInt64) throws {
        var rng = TestRNG(seed)
        let layers = [PopulationSpec(QIF(), count: 20, parameters: ["ic": (0..<20).map { _ in rng.uniform(0, 0.3) }]),
                      PopulationSpec(QIF(), count: 3)]
        let weights = [rng.matrix(5, 20, 0, 2.5), rng.matrix(20, 3, 0, 2.5)]
        for solver in [Self.tsit5, SolverConfig(tableau: .named("bosh3")!, dt: 0.1, adaptive: AdaptiveConfig(rtol: 1e-5, atol: 1e-5)),
                       SolverConfig(tableau: .named("rk4")!, dt: 0.25), SolverConfig(tableau: .euler, dt: 0.05)] {
            let net = try Network.layered(inputCount: 5, layers: layers, weights: weights, tmax: 60, solver: solver)
            #expect(net.inputDriven.count == 20)
            var input = (0..<4).map { _ in [rng.uniform(0, 30)] }
            input.append([0])
            let ct = Cotangent(ttfs: (0..<3).map { _ in rng.uniform(-1, 1) })
            try compare(net, input, .full, ct)
            try compare(net, input, .ttfs, ct)
            // Run to the end, every input spike reaches the 20 hidden neurons and every hidden spike the 3 outputs.
            let r = try Simulator(network: net).run(input, readout: .full)
            #expect(r.deliveryCount == input.reduce(0) { $0 + $1.count } * 20 + r.spikes.prefix(20).reduce(0) { $0 + $1.count } * 3)
        }
    }

    @Test("Stop at the first output spikes long before the last input spike: same result and gradients; spikes past the stop are not listed and take no cotangent")
    func stopBeforeLastInput() throws {
        var rng = TestRNG(21)
        let hidden = 20
        let layers = [PopulationSpec(QIF(), count: hidden, parameters: ["ic": (0..<hidden).map { _ in rng.uniform(0, 0.3) }]),
                      PopulationSpec(QIF(), count: 3)]
        // Hidden neurons spike at about 18–31 ms and the outputs at about 30–32 ms; the last input comes at 40 ms.
        let weights = [rng.matrix(5, hidden, 0, 4), rng.matrix(hidden, 3, 1, 4)]
        let net = try Network.layered(inputCount: 5, layers: layers, weights: weights, tmax: 60, solver: Self.tsit5)
        let input: [[Double]] = [[0], [1], [2], [3], [40]]
        let ct = Cotangent(ttfs: [0.5, -0.3, 0.8])
        try compare(net, input, .ttfs, ct)
        // Unlimited slices: the ahead pass integrates the hidden neurons up to the last input.
        let sim = Simulator(network: net)
        sim.aheadSliceSteps = .max
        let r = try sim.run(input, readout: .ttfs)
        let stop = try #require(r.ttfs.compactMap { $0 }.max())
        #expect(r.ttfs.allSatisfy { $0 != nil } && stop < 40, "the outputs must all spike before the last input")
        // The ahead pass has committed spikes of input-driven neurons past the stop.
        let listed = r.spikes.reduce(0) { $0 + $1.count }
        let unlisted = try #require(sim.spikes.first { !$0.reported }, "the test needs a spike past the stop")
        #expect(sim.spikes.count > listed)
        #expect(unlisted.time > stop)
        // A cotangent for one spike more than the result lists is refused.
        let n = Int(unlisted.neuron)
        var perNeuron = r.spikes.map { $0.map { _ in 0.1 } }
        perNeuron[n].append(0.1)
        #expect(throws: EventaxError.self) { try sim.gradient(Cotangent(ttfs: [0, 0, 0], spikes: perNeuron)) }
        // Slices of one step stop integrating the hidden neurons right after the stop.
        let sliced = Simulator(network: net)
        sliced.aheadSliceSteps = 1
        let s = try sliced.run(input, readout: .ttfs)
        #expect(s.ttfs == r.ttfs && s.spikes == r.spikes)
        #expect(s.stepCount < r.stepCount, "steps: slices of 1 \(s.stepCount), unlimited \(r.stepCount)")
        #expect(sliced.spikes.count <= sim.spikes.count)
    }

    @Test("Mixed network: input-driven neurons beside recurrent, delayed and output neurons fed by inputs")
    func mixed() throws {
        var rng = TestRNG(9)
        let channels = 6
        // Neurons 0–7 input-driven; 8–9 also get recurrent input; 10 gets a delayed input synapse;
        // 11–12 outputs, 12 fed by the inputs directly as well.
        let pop = PopulationSpec(LIF(), count: 13, parameters: ["ic": (0..<13).map { _ in rng.uniform(0.3, 0.9) }])
        var syn: [Synapse] = []
        for n in 0..<11 { for c in 0..<channels { syn.append(Synapse(from: .input(c), to: n, weight: [rng.uniform(0, 1.2)], delay: n == 10 && c == 0 ? 1.5 : 0)) } }
        for n in 8..<10 { syn.append(Synapse(from: .neuron(n == 8 ? 9 : 8), to: n, weight: [rng.uniform(0, 1)])) }
        for o in 11..<13 { for n in 0..<11 { syn.append(Synapse(from: .neuron(n), to: o, weight: [rng.uniform(-0.5, 1.5)], delay: n == 2 ? 0.7 : 0)) } }
        for c in 0..<channels { syn.append(Synapse(from: .input(c), to: 12, weight: [rng.uniform(0, 0.5)])) }
        let net = try Network(inputCount: channels, populations: [pop], synapses: syn, outputs: [11, 12], tmax: 50, solver: Self.tsit5)
        #expect(net.inputDriven == (0..<8).map { Int32($0) })
        let input = (0..<channels).map { _ in [rng.uniform(0, 10), rng.uniform(12, 25)].sorted() }
        let ct = Cotangent(ttfs: [0.7, -0.4], spikes: (0..<13).map { n in n < 4 ? [0.3] : [] })
        try compare(net, input, .full, ct)
        // Stopping at the first output spikes: a cotangent on every listed spike.
        try compare(net, input, .ttfs) { r in Cotangent(ttfs: [0.7, -0.4], spikes: r.spikes.map { $0.map { _ in 0.3 } }) }
    }

    /// A readout fed by every input-driven neuron takes their earliest certain time from a running
    /// minimum; one fed by all but some loops over its sources. Adding an input-driven neuron that
    /// feeds nothing moves the readouts from the first path to the second and must change nothing.
    @Test("Readouts of a whole input-driven layer (running minimum of its certain times) match the loop over their sources",
          arguments: [false, true])
    func drivenSourceMinimum(spiking: Bool) throws {
        var rng = TestRNG(spiking ? 31 : 32)
        let channels = 5, hidden = 13
        let hiddenIc = (0..<hidden).map { _ in rng.uniform(0, 0.3) }
        let readout = spiking ? PopulationSpec(QIF(), count: 3) : PopulationSpec(LI(), count: 3)
        var syn: [Synapse] = []
        for n in 0..<hidden { for c in 0..<channels { syn.append(Synapse(from: .input(c), to: n, weight: [rng.uniform(0, 4)])) } }
        for o in hidden..<hidden + 3 { for n in 0..<hidden { syn.append(Synapse(from: .neuron(n), to: o, weight: [rng.uniform(spiking ? 1 : -1, 4)])) } }
        let hiddenPop = PopulationSpec(QIF(), count: hidden, parameters: ["ic": hiddenIc])
        let outputs = Array(hidden..<hidden + 3)
        let whole = try Network(inputCount: channels, populations: [hiddenPop, readout], synapses: syn, outputs: outputs, tmax: 60, solver: Self.tsit5)
        // The same network plus one more input-driven neuron (the last) that feeds nothing.
        let extra = syn + (0..<channels).map { Synapse(from: .input($0), to: hidden + 3, weight: [rng.uniform(0, 2.5)]) }
        let partial = try Network(inputCount: channels, populations: [hiddenPop, readout, PopulationSpec(QIF(), count: 1, parameters: ["ic": [0.2]])],
                                  synapses: extra, outputs: outputs, tmax: 60, solver: Self.tsit5)
        #expect(whole.inputDriven.count == hidden && partial.inputDriven.count == hidden + 1)
        #expect(outputs.allSatisfy { whole.drivenSourceDelay[$0] == 0 && partial.drivenSourceDelay[$0] == .infinity })
        let input = (0..<channels).map { c in c == channels - 1 ? [0] : [rng.uniform(0, 30)] }
        let times = stride(from: 5.0, through: 60, by: 5).map { $0 }
        let request = spiking ? ReadoutRequest.ttfs : ReadoutRequest(observationTimes: times)
        let ct = spiking ? Cotangent(ttfs: [0.6, -0.2, 0.9])
                         : Cotangent(states: (0..<3).map { _ in times.map { _ in [rng.uniform(-1, 1), 0] } })
        for ahead in [true, false] {
            let a = Simulator(network: whole), b = Simulator(network: partial)
            a.simulatesInputDrivenAhead = ahead; b.simulatesInputDrivenAhead = ahead
            let ra = try a.run(input, readout: request), rb = try b.run(input, readout: request)
            #expect(ra.ttfs == rb.ttfs && ra.states == rb.states)
            #expect(ra.spikes == Array(rb.spikes.prefix(hidden + 3)))
            #expect(ra.committedRecords == Array(rb.committedRecords.prefix(hidden + 3)))
            #expect(spiking ? ra.ttfs.allSatisfy { $0 != nil } : ra.spikes.prefix(hidden).contains { !$0.isEmpty }, "the comparison needs spikes")
            let ga = try a.gradient(ct), gb = try b.gradient(ct)
            #expect(ga.weights == Array(gb.weights.prefix(ga.weights.count)))
            #expect(ga.parameters == Array(gb.parameters.prefix(ga.parameters.count)))
            #expect(ga.weights.contains { $0 != 0 }, "the comparison needs non-zero gradients")
        }
    }
}
