/// A group of neurons sharing one model. Parameters may differ per neuron.
public struct PopulationSpec: Sendable {
    /// The neuron model.
    public let model: any NeuronModel
    /// Number of neurons.
    public var count: Int
    /// Parameter values that differ from the model's defaults: one value for all neurons, or one per neuron.
    public var parameters: [String: [Double]]
    /// Names of the learnable parameters (`nil`: the model's defaults).
    public var learnable: [String]?
    @usableFromInline let makeOps: @Sendable (SolverConfig, [Int]) -> KernelOps

    /// A population of `count` neurons of `model`. Call it with a concrete model type so that the
    /// engine's hot loops are specialized for it.
    @inlinable
    public init<M: NeuronModel>(_ model: M, count: Int, parameters: [String: [Double]] = [:], learnable: [String]? = nil) {
        self.init(model, count: count, parameters: parameters, learnable: learnable, recording: false)
    }

    /// A population whose reverse pass, with `recording`, records every local computation
    /// (``RecordingKernel``) whatever its number of derivative lanes, instead of dual numbers where
    /// they fit. The gradients agree to rounding; tests and benchmarks compare the two. Without
    /// `additiveJumps`, an additive input jump is reversed like any other (tests compare the two).
    @inlinable
    init<M: NeuronModel>(_ model: M, count: Int, parameters: [String: [Double]] = [:], learnable: [String]? = nil, recording: Bool,
                         additiveJumps: Bool = true) {
        self.model = model
        self.count = count
        self.parameters = parameters
        self.learnable = learnable
        self.makeOps = { solver, learnable in
            recording ? KernelOps(recording: model, solver: solver, learnable: learnable, additiveJumps: additiveJumps)
                : makeKernelOps(model, solver: solver, learnable: learnable, additiveJumps: additiveJumps)
        }
    }
}

/// Where a synapse's spikes come from.
public enum SpikeSource: Hashable, Sendable {
    /// Input channel `c`.
    case input(Int)
    /// Neuron `i` (global index, populations in order).
    case neuron(Int)
}

/// One synapse: a source, a target neuron and the weight vector its spikes carry.
public struct Synapse: Sendable {
    /// The presynaptic source.
    public var source: SpikeSource
    /// The postsynaptic neuron (global index).
    public var target: Int
    /// The weight components (as many as the target model's `weightsPerSynapse`).
    public var weight: [Double]
    /// The synapse's transmission delay. The simulation uses max(0, `delay`) (plus the source
    /// neuron's axonal delay, see ``Network/axonalDelays``); a negative value acts as 0 and gets a
    /// zero gradient, as in Eventax, where delays are trainable values clamped at 0.
    public var delay: Double

    /// A synapse.
    public init(from source: SpikeSource, to target: Int, weight: [Double], delay: Double = 0) {
        self.source = source; self.target = target; self.weight = weight; self.delay = delay
    }
}

/// A built population: its spec, where its neurons and parameters live, and its engine operations.
@usableFromInline
struct Population: Sendable {
    @usableFromInline let spec: PopulationSpec
    @usableFromInline let ops: KernelOps
    @usableFromInline let firstNeuron: Int
    @usableFromInline let parameterCount: Int
    @usableFromInline let learnableIndices: [Int]
}

/// A spiking network: populations of neurons, synapses with weights, inputs and outputs, and the
/// simulation settings. Immutable during a simulation; training replaces weights and parameters
/// through ``withWeights(_:parameters:)`` and delays through ``withDelays(synaptic:axonal:)``.
///
/// Delays: a spike of neuron m at time t reaches the target of synapse s (from m) at
/// t + max(0, `delays[s]`) + max(0, `axonalDelays[m]`); an input spike at t reaches it at
/// t + max(0, `delays[s]`). Deliveries at or after ``tmax`` are dropped.
public struct Network: Sendable {
    /// Number of input channels.
    public let inputCount: Int
    /// Total number of neurons.
    public let neuronCount: Int
    /// Global indices of the output neurons, in readout order.
    public let outputs: [Int]
    /// End of every simulation.
    public let tmax: Double
    /// The solver used for every neuron.
    public let solver: SolverConfig
    /// Upper bound on spikes plus deliveries per simulation; exceeding it throws.
    public let maxEvents: Int
    /// The synapses, in the order of ``weights``.
    public let synapses: [Synapse]
    /// All weight components, synapse by synapse.
    public let weights: [Double]
    /// All neuron parameters, neuron by neuron (each neuron its model's parameter list).
    public let parameters: [Double]
    /// The synaptic delays as given (the ``Synapse/delay`` of each synapse, in the order of
    /// ``synapses``); the simulation uses max(0, d). Same layout as ``Gradients/delays``.
    public let delays: [Double]
    /// The axonal delays as given, one per neuron (global index): added to every outgoing synapse
    /// of the neuron, clamped like synaptic delays (max(0, d)). Input channels have none: an axonal
    /// delay of an input channel would be a shift of its spike times, whose gradients are
    /// ``Gradients/inputs``. Same layout as ``Gradients/axonalDelays``.
    public let axonalDelays: [Double]

    @usableFromInline let populations: [Population]
    @usableFromInline let populationOf: [Int32]
    @usableFromInline let parameterOffset: [Int]
    @usableFromInline let stateOffset: [Int]
    @usableFromInline let stateTotal: Int
    /// Offset of each neuron's learnable-parameter gradient in ``Gradients/parameters``.
    public let learnableOffset: [Int]
    /// Total number of learnable neuron parameters.
    public let learnableTotal: Int
    @usableFromInline let weightOffset: [Int]
    /// k when every synapse has k weight components (then synapse s's start at s·k, computed
    /// instead of read from the large `weightOffset` table: one scattered load less per
    /// delivery); 0 otherwise.
    @usableFromInline let weightStride: Int
    /// Synapses by source: inputs first, then neurons. `outStart[s]..<outStart[s+1]` index `outSynapse`.
    @usableFromInline let outStart: [Int]
    @usableFromInline let outSynapse: [Int32]
    /// Target and effective delay of each synapse (flat copies for the event loop): the delay is
    /// max(0, synaptic) + max(0, axonal of the source neuron), exactly 0 when neither is positive.
    @usableFromInline let synapseTarget: [Int32]
    @usableFromInline let synapseDelay: [Double]
    /// Per target neuron, its distinct presynaptic neurons: `inNeuronStart[n]..<inNeuronStart[n+1]`
    /// index `inNeuronSource` and `inNeuronDelay` (the smallest delay from that source), except
    /// for the input-driven neurons that ``drivenSourceDelay`` stands for.
    @usableFromInline let inNeuronStart: [Int]
    @usableFromInline let inNeuronSource: [Int32]
    @usableFromInline let inNeuronDelay: [Double]
    /// Per target neuron: d when its presynaptic neurons include every input-driven neuron, each
    /// with smallest delay d (those sources are then left out of `inNeuronSource`: the simulator
    /// takes their earliest certain time from a running minimum instead of a loop over them —
    /// a readout of a wide hidden layer); +∞ otherwise.
    @usableFromInline let drivenSourceDelay: [Double]
    /// Per target neuron, the smallest delay of its synapses from input channels (+∞: none).
    @usableFromInline let minInputDelay: [Double]
    /// Per neuron: whether every input channel reaches it without delay (then each input spike is
    /// certainly delivered to it at its own time, and its steps may end there).
    @usableFromInline let receivesEveryInput: [Bool]
    /// Input-driven neurons: not outputs, fed by exactly one undelayed synapse from every input
    /// channel and by no neuron. All their deliveries are known before a simulation starts, so the
    /// simulator integrates each of them through its whole trial ahead of the event loop.
    @usableFromInline let inputDriven: [Int32]
    /// Per neuron: its row in ``inputDrivenSynapse`` (`inputCount` synapse indices, by channel) if
    /// it is input-driven, else −1.
    @usableFromInline let inputDrivenRow: [Int32]
    @usableFromInline let inputDrivenSynapse: [Int32]
    /// Synapses from input channels to the other neurons: `loopInputStart[c]..<loopInputStart[c+1]`
    /// index `loopInputSynapse` (same order as ``outSynapse``).
    @usableFromInline let loopInputStart: [Int]
    @usableFromInline let loopInputSynapse: [Int32]
    @usableFromInline let scratchBytes: Int

    /// Builds and validates a network. Every error names the offending field and value.
    /// `axonalDelays`: one per neuron, or empty for none (all 0); see ``axonalDelays``.
    public init(inputCount: Int, populations specs: [PopulationSpec], synapses: [Synapse], outputs: [Int],
                tmax: Double, solver: SolverConfig = SolverConfig(), maxEvents: Int = 1_000_000,
                axonalDelays: [Double] = []) throws {
        guard inputCount >= 0 else { throw EventaxError.invalid(field: "inputs", "must be ≥ 0, got \(inputCount)") }
        guard tmax.isFinite, tmax > 0 else { throw EventaxError.invalid(field: "tmax", "must be a finite number > 0, got \(tmax)") }
        guard maxEvents > 0 else { throw EventaxError.invalid(field: "maxEvents", "must be > 0, got \(maxEvents)") }
        try solver.validate()
        self.inputCount = inputCount
        self.tmax = tmax
        self.solver = solver
        self.maxEvents = maxEvents

        var pops: [Population] = []
        var popOf: [Int32] = [], pOff: [Int] = [], sOff: [Int] = [], lOff: [Int] = []
        var params: [Double] = []
        var nNeurons = 0, nState = 0, nLearn = 0, scratch = 0
        for (pi, spec) in specs.enumerated() {
            let field = "populations[\(pi)]"
            guard spec.count >= 0 else { throw EventaxError.invalid(field: "\(field).count", "must be ≥ 0, got \(spec.count)") }
            let model = spec.model
            let pspecs = model.parameters
            let names = Set(pspecs.map(\.name))
            for key in spec.parameters.keys where !names.contains(key) {
                throw EventaxError.invalid(field: "\(field).\(key)", "is not a parameter of this model (parameters: \(pspecs.map(\.name).joined(separator: ", ")))")
            }
            for (key, vals) in spec.parameters where vals.count != 1 && vals.count != spec.count {
                throw EventaxError.invalid(field: "\(field).\(key)", "has \(vals.count) values; give one, or one per neuron (\(spec.count))")
            }
            let learnNames = spec.learnable ?? model.defaultLearnable
            var learnIdx: [Int] = []
            for name in learnNames {
                guard let i = pspecs.firstIndex(where: { $0.name == name }) else {
                    throw EventaxError.invalid(field: "\(field).learnable", "'\(name)' is not a parameter of this model")
                }
                if !learnIdx.contains(i) { learnIdx.append(i) }
            }
            let ops = spec.makeOps(solver, learnIdx)
            scratch = max(scratch, ops.scratchBytes)
            pops.append(Population(spec: spec, ops: ops, firstNeuron: nNeurons, parameterCount: pspecs.count, learnableIndices: learnIdx))
            for j in 0..<spec.count {
                var p = pspecs.map(\.defaultValue)
                for (key, vals) in spec.parameters {
                    p[pspecs.firstIndex { $0.name == key }!] = vals.count == 1 ? vals[0] : vals[j]
                }
                model.completeParameters(&p, given: Set(spec.parameters.keys))
                for (k, ps) in pspecs.enumerated() {
                    let v = p[k]
                    guard v.isFinite else { throw EventaxError.invalid(field: "\(field).\(ps.name)", "must be finite, got \(v) (neuron \(j))") }
                    if ps.constraint == .positive && v <= 0 {
                        throw EventaxError.invalid(field: "\(field).\(ps.name)", "must be > 0, got \(v) (neuron \(j))")
                    }
                }
                popOf.append(Int32(pi)); pOff.append(params.count); sOff.append(nState); lOff.append(nLearn)
                params += p
                nState += ops.stateCount
                nLearn += learnIdx.count
            }
            nNeurons += spec.count
        }
        self.populations = pops
        self.populationOf = popOf
        self.parameterOffset = pOff
        self.stateOffset = sOff
        self.stateTotal = nState
        self.learnableOffset = lOff
        self.learnableTotal = nLearn
        self.neuronCount = nNeurons
        self.parameters = params
        self.scratchBytes = scratch + 256

        for (k, o) in outputs.enumerated() where o < 0 || o >= nNeurons {
            throw EventaxError.invalid(field: "outputs[\(k)]", "neuron \(o) does not exist (the network has \(nNeurons) neurons)")
        }
        self.outputs = outputs

        var w: [Double] = [], wOff: [Int] = []
        var bySource = [[Int32]](repeating: [], count: inputCount + nNeurons)
        for (s, syn) in synapses.enumerated() {
            let field = "synapses[\(s)]"
            let src: Int
            switch syn.source {
            case .input(let c):
                guard c >= 0 && c < inputCount else { throw EventaxError.invalid(field: "\(field).source", "input channel \(c) does not exist (\(inputCount) inputs)") }
                src = c
            case .neuron(let i):
                guard i >= 0 && i < nNeurons else { throw EventaxError.invalid(field: "\(field).source", "neuron \(i) does not exist (\(nNeurons) neurons)") }
                src = inputCount + i
            }
            guard syn.target >= 0 && syn.target < nNeurons else {
                throw EventaxError.invalid(field: "\(field).target", "neuron \(syn.target) does not exist (\(nNeurons) neurons)")
            }
            let wps = pops[Int(popOf[syn.target])].ops.weightsPerSynapse
            guard syn.weight.count == wps else {
                throw EventaxError.invalid(field: "\(field).weight", "has \(syn.weight.count) components, the target model needs \(wps)")
            }
            for v in syn.weight where !v.isFinite { throw EventaxError.invalid(field: "\(field).weight", "must be finite, got \(v)") }
            guard syn.delay.isFinite else { throw EventaxError.invalid(field: "\(field).delay", "must be finite, got \(syn.delay)") }
            wOff.append(w.count)
            w += syn.weight
            bySource[src].append(Int32(s))
        }
        self.synapses = synapses
        self.weights = w
        self.weightOffset = wOff
        let stride = synapses.first?.weight.count ?? 0
        self.weightStride = synapses.allSatisfy { $0.weight.count == stride } ? stride : 0
        var start = [0]
        for list in bySource { start.append(start.last! + list.count) }
        self.outStart = start
        self.outSynapse = bySource.flatMap { $0 }
        guard axonalDelays.isEmpty || axonalDelays.count == nNeurons else {
            throw EventaxError.invalid(field: "axonalDelays", "has \(axonalDelays.count) values, expected one per neuron (\(nNeurons)) or none")
        }
        for (m, d) in axonalDelays.enumerated() where !d.isFinite {
            throw EventaxError.invalid(field: "axonalDelays[\(m)]", "must be finite, got \(d)")
        }
        let axonal = axonalDelays.isEmpty ? [Double](repeating: 0, count: nNeurons) : axonalDelays
        self.delays = synapses.map(\.delay)
        self.axonalDelays = axonal
        self.synapseTarget = synapses.map { Int32($0.target) }
        // Effective delays: 0 + 0 stays exactly 0, so delay-free synapses keep the immediate path.
        let effective = synapses.map { syn -> Double in
            let d = syn.delay > 0 ? syn.delay : 0
            guard case .neuron(let m) = syn.source, axonal[m] > 0 else { return d }
            return d + axonal[m]
        }
        self.synapseDelay = effective
        var fromNeurons = [[Int32: Double]](repeating: [:], count: nNeurons)
        var minInput = [Double](repeating: .infinity, count: nNeurons)
        var undelayedChannels = [Set<Int>](repeating: [], count: nNeurons)
        var channelSynapses = [[(channel: Int, synapse: Int32)]](repeating: [], count: nNeurons)
        for (s, syn) in synapses.enumerated() {
            let d = effective[s]
            switch syn.source {
            case .input(let c):
                minInput[syn.target] = min(minInput[syn.target], d)
                if d == 0 { undelayedChannels[syn.target].insert(c) }
                channelSynapses[syn.target].append((c, Int32(s)))
            case .neuron(let m): fromNeurons[syn.target][Int32(m)] = min(fromNeurons[syn.target][Int32(m)] ?? .infinity, d)
            }
        }
        var iStart = [0], iSource: [Int32] = [], iDelay: [Double] = []
        for sources in fromNeurons {
            for (m, d) in sources.sorted(by: { $0.key < $1.key }) { iSource.append(m); iDelay.append(d) }
            iStart.append(iSource.count)
        }
        self.minInputDelay = minInput
        self.receivesEveryInput = undelayedChannels.map { inputCount > 0 && $0.count == inputCount }

        // Every channel reaches n undelayed and n has no other input synapse: exactly one per channel.
        let isOutput = Set(outputs)
        var driven: [Int32] = [], row = [Int32](repeating: -1, count: nNeurons), rowSynapse: [Int32] = []
        for n in 0..<nNeurons where receivesEveryInput[n] && channelSynapses[n].count == inputCount
            && iStart[n + 1] == iStart[n] && !isOutput.contains(n) {
            row[n] = Int32(driven.count)
            driven.append(Int32(n))
            var byChannel = [Int32](repeating: -1, count: inputCount)
            for (c, s) in channelSynapses[n] { byChannel[c] = s }
            rowSynapse += byChannel
        }
        self.inputDriven = driven
        self.inputDrivenRow = row
        // Neurons fed by every input-driven neuron with one common delay (for example a readout
        // after an input-driven hidden layer): those sources collapse into `drivenSourceDelay`.
        var drivenDelay = [Double](repeating: .infinity, count: nNeurons)
        var cStart = [0], cSource: [Int32] = [], cDelay: [Double] = []
        for n in 0..<nNeurons {
            let range = iStart[n]..<iStart[n + 1]
            let fromDriven = range.filter { row[Int(iSource[$0])] >= 0 }
            if !driven.isEmpty && fromDriven.count == driven.count && Set(fromDriven.map { iDelay[$0] }).count == 1 {
                drivenDelay[n] = iDelay[fromDriven[0]]
                for k in range where row[Int(iSource[k])] < 0 { cSource.append(iSource[k]); cDelay.append(iDelay[k]) }
            } else {
                cSource += iSource[range]; cDelay += iDelay[range]
            }
            cStart.append(cSource.count)
        }
        self.drivenSourceDelay = drivenDelay
        self.inNeuronStart = cStart
        self.inNeuronSource = cSource
        self.inNeuronDelay = cDelay
        self.inputDrivenSynapse = rowSynapse
        var loopStart = [0], loopSynapse: [Int32] = []
        for c in 0..<inputCount {
            for k in start[c]..<start[c + 1] where row[Int(synapseTarget[Int(outSynapse[k])])] < 0 { loopSynapse.append(outSynapse[k]) }
            loopStart.append(loopSynapse.count)
        }
        self.loopInputStart = loopStart
        self.loopInputSynapse = loopSynapse
    }

    /// The same network with new weights and neuron parameters (as laid out in ``weights`` and
    /// ``parameters``); synaptic and axonal delays are kept.
    public func withWeights(_ weights: [Double], parameters: [Double]) throws -> Network {
        guard weights.count == self.weights.count else { throw EventaxError.invalid(field: "weights", "has \(weights.count) values, expected \(self.weights.count)") }
        guard parameters.count == self.parameters.count else { throw EventaxError.invalid(field: "parameters", "has \(parameters.count) values, expected \(self.parameters.count)") }
        var syn = synapses
        for s in syn.indices {
            let o = weightOffset[s]
            syn[s].weight = Array(weights[o..<o + syn[s].weight.count])
        }
        var specs = populations.map(\.spec)
        for (pi, pop) in populations.enumerated() {
            let names = pop.spec.model.parameters.map(\.name)
            var dict: [String: [Double]] = [:]
            for (k, name) in names.enumerated() {
                dict[name] = (0..<pop.spec.count).map { parameters[parameterOffset[pop.firstNeuron + $0] + k] }
            }
            specs[pi].parameters = dict
        }
        return try Network(inputCount: inputCount, populations: specs, synapses: syn, outputs: outputs, tmax: tmax, solver: solver,
                           maxEvents: maxEvents, axonalDelays: axonalDelays)
    }

    /// The same network (weights, parameters, synaptic and axonal delays) integrated with another solver.
    public func withSolver(_ solver: SolverConfig) throws -> Network {
        let rebuilt = try Network(inputCount: inputCount, populations: populations.map(\.spec), synapses: synapses, outputs: outputs,
                                  tmax: tmax, solver: solver, maxEvents: maxEvents, axonalDelays: axonalDelays)
        return try rebuilt.withWeights(weights, parameters: parameters)
    }

    /// The same network with new delays: `synaptic` one per synapse (layout of ``delays``),
    /// `axonal` one per neuron (layout of ``axonalDelays``); `nil` keeps the current ones.
    /// Values must be finite. They are stored as given and clamped at 0 by the simulation (the
    /// effective delay is max(0, d)), as Eventax does: the gradient of a delay is zero below 0, and
    /// at exactly 0 it is the right derivative (so a delay at 0 can grow again). To project onto
    /// d ≥ 0 instead, pass `d.map { max(0, $0) }`.
    public func withDelays(synaptic: [Double]? = nil, axonal: [Double]? = nil) throws -> Network {
        var syn = synapses
        if let synaptic {
            guard synaptic.count == synapses.count else {
                throw EventaxError.invalid(field: "delays", "has \(synaptic.count) values, expected one per synapse (\(synapses.count))")
            }
            for (s, d) in synaptic.enumerated() {
                guard d.isFinite else { throw EventaxError.invalid(field: "delays[\(s)]", "must be finite, got \(d)") }
                syn[s].delay = d
            }
        }
        if let axonal {
            guard axonal.count == neuronCount else {
                throw EventaxError.invalid(field: "axonalDelays", "has \(axonal.count) values, expected one per neuron (\(neuronCount))")
            }
            for (m, d) in axonal.enumerated() where !d.isFinite {
                throw EventaxError.invalid(field: "axonalDelays[\(m)]", "must be finite, got \(d)")
            }
        }
        return try Network(inputCount: inputCount, populations: populations.map(\.spec), synapses: syn, outputs: outputs, tmax: tmax,
                           solver: solver, maxEvents: maxEvents, axonalDelays: axonal ?? axonalDelays)
    }

    /// `count` delays drawn uniformly from [0, `limit`) with a ``SplitMix64`` seeded by `seed`: the
    /// initialization Eventax uses for `dlim` (synaptic) and `axonal_dlim` (axonal delays), there
    /// over a dense source × target matrix, here one value per synapse or per neuron.
    public static func randomDelays(count: Int, limit: Double, seed: UInt64) throws -> [Double] {
        guard count >= 0 else { throw EventaxError.invalid(field: "count", "must be ≥ 0, got \(count)") }
        guard limit.isFinite, limit >= 0 else { throw EventaxError.invalid(field: "limit", "must be finite and ≥ 0, got \(limit)") }
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in rng.uniform(0...limit) }
    }

    /// The same network with random delays (see ``randomDelays(count:limit:seed:)``): synaptic
    /// delays uniform in [0, `synapticLimit`), axonal delays uniform in [0, `axonalLimit`); a `nil`
    /// limit keeps those delays. The two draws use different streams derived from `seed`.
    public func withRandomDelays(synapticLimit: Double? = nil, axonalLimit: Double? = nil, seed: UInt64) throws -> Network {
        let syn = try synapticLimit.map { try Network.randomDelays(count: synapses.count, limit: $0, seed: seed) }
        let ax = try axonalLimit.map { try Network.randomDelays(count: neuronCount, limit: $0, seed: seed &* 0x2545F4914F6CDD1D &+ 1) }
        return try withDelays(synaptic: syn, axonal: ax)
    }

    /// The delay with which spikes through synapse `s` arrive: max(0, synaptic) plus, for a neuron
    /// source, max(0, its axonal delay).
    public func effectiveDelay(ofSynapse s: Int) -> Double { synapseDelay[s] }

    /// True when some synapse has a positive effective delay.
    public var hasDelays: Bool { synapseDelay.contains { $0 > 0 } }

    /// The model of neuron `i`.
    public func model(ofNeuron i: Int) -> any NeuronModel { populations[Int(populationOf[i])].spec.model }
    /// The spiking neurons whose spike condition is already above 0 in their initial state (for
    /// LIF: a threshold below the initial potential). A spike is an upward zero crossing, so such a
    /// neuron can fire only after its condition has first fallen below 0; with a decaying potential
    /// it may never fire.
    public var neuronsStartingAboveThreshold: [Int] {
        (0..<neuronCount).filter { i in
            let m = model(ofNeuron: i)
            return m.canSpike && Self.initialCondition(m, parameters[parameterOffset[i]..<parameterOffset[i] + m.parameters.count]) > 0
        }
    }

    /// The spike condition of `model`'s initial state with parameters `p`.
    static func initialCondition<M: NeuronModel>(_ model: M, _ p: ArraySlice<Double>) -> Double {
        let params = UnsafeMutablePointer<Double>.allocate(capacity: max(1, p.count))
        let state = UnsafeMutablePointer<Double>.allocate(capacity: max(1, model.stateNames.count))
        defer { params.deallocate(); state.deallocate() }
        for (k, v) in p.enumerated() { params[k] = v }
        state.initialize(repeating: 0, count: max(1, model.stateNames.count))
        model.initialState(Vars(state), Vars(params))
        return model.spikeCondition(Vars(state), Vars(params))
    }

    /// The learnable parameter names of neuron `i`.
    public func learnableNames(ofNeuron i: Int) -> [String] {
        let pop = populations[Int(populationOf[i])]
        return pop.learnableIndices.map { pop.spec.model.parameters[$0].name }
    }
    /// Indices into ``parameters`` of the learnable parameters, neuron by neuron: the order of
    /// ``Gradients/parameters``.
    public var learnableParameterIndices: [Int] {
        (0..<neuronCount).flatMap { n in
            learnableNames(ofNeuron: n).map { parameterOffset[n] + model(ofNeuron: n).parameterIndex($0)! }
        }
    }
    /// The fraction of a positive parameter's model default below which training does not take
    /// it (see ``learnableFloors``).
    public static let positiveFloorFraction = 0.01
    /// For each learnable parameter (the order of ``learnableParameterIndices``), the smallest value
    /// a training step may leave: for a parameter constrained positive (a time constant), 1 % of
    /// the model's default, so that a step cannot make it ≤ 0 (an invalid network) or so small
    /// that the dynamics become stiff beyond any step budget; −∞ for unconstrained parameters.
    /// Training projects onto these bounds after each step, as it projects delays onto [0, ∞).
    public var learnableFloors: [Double] {
        (0..<neuronCount).flatMap { n in
            let specs = model(ofNeuron: n).parameters
            return learnableNames(ofNeuron: n).map { name -> Double in
                let spec = specs.first { $0.name == name }!
                return spec.constraint == .positive ? Network.positiveFloorFraction * spec.defaultValue : -.infinity
            }
        }
    }
    /// Raises the learnable parameters of a trainable vector (laid out as ``trainables``; values
    /// after them, such as delays, are left alone) to their ``learnableFloors``.
    public func projectOntoFloors(_ t: inout [Double]) {
        let base = weights.count
        for (k, floor) in learnableFloors.enumerated() where t[base + k] < floor { t[base + k] = floor }
    }
    /// The trainable vector: the weights, then the learnable parameters (the layout of
    /// `gradients.weights + gradients.parameters`).
    public var trainables: [Double] { weights + learnableParameterIndices.map { parameters[$0] } }
    /// The same network with the trainable vector `t` (laid out as ``trainables``).
    public func withTrainables(_ t: [Double]) throws -> Network {
        let learnable = learnableParameterIndices
        guard t.count == weights.count + learnable.count else {
            throw EventaxError.invalid(field: "trainables", "has \(t.count) values, expected \(weights.count + learnable.count)")
        }
        var p = parameters
        for (k, i) in learnable.enumerated() { p[i] = t[weights.count + k] }
        return try withWeights(Array(t[..<weights.count]), parameters: p)
    }
    /// The value of parameter `name` of neuron `i`.
    public func parameter(_ name: String, ofNeuron i: Int) -> Double? {
        guard let k = model(ofNeuron: i).parameterIndex(name) else { return nil }
        return parameters[parameterOffset[i] + k]
    }
    /// The offset of synapse `s`'s weight components in ``weights``.
    @inlinable @inline(__always)
    public func weightIndex(ofSynapse s: Int) -> Int { weightStride > 0 ? s &* weightStride : weightOffset[s] }

    /// A fully connected feed-forward network: `inputCount` channels → layer 0 → layer 1 → …; the
    /// last layer is the output. `weights[l][pre][post]` (layer 0's pre are the input channels).
    /// The flat ``weights`` are these matrices in order, row-major.
    public static func layered(inputCount: Int, layers: [PopulationSpec], weights: [[[Double]]], tmax: Double,
                               solver: SolverConfig = SolverConfig(), maxEvents: Int = 1_000_000) throws -> Network {
        guard !layers.isEmpty else { throw EventaxError.invalid(field: "layers", "must name at least one layer") }
        guard weights.count == layers.count else { throw EventaxError.invalid(field: "weights", "has \(weights.count) matrices, expected one per layer (\(layers.count))") }
        var syn: [Synapse] = []
        var preStart = 0, preCount = inputCount, first = 0
        for (l, layer) in layers.enumerated() {
            let W = weights[l]
            guard W.count == preCount else { throw EventaxError.invalid(field: "weights[\(l)]", "has \(W.count) rows, expected \(preCount) (one per presynaptic \(l == 0 ? "input" : "neuron"))") }
            for (i, row) in W.enumerated() {
                guard row.count == layer.count else { throw EventaxError.invalid(field: "weights[\(l)][\(i)]", "has \(row.count) entries, expected \(layer.count)") }
                for (j, v) in row.enumerated() {
                    guard v.isFinite else { throw EventaxError.invalid(field: "weights[\(l)][\(i)][\(j)]", "must be finite, got \(v)") }
                    syn.append(Synapse(from: l == 0 ? .input(i) : .neuron(preStart + i), to: first + j, weight: [v]))
                }
            }
            if l > 0 { preStart += preCount }
            preCount = layer.count
            first += layer.count
        }
        let outputs = Array(first - layers.last!.count..<first)
        return try Network(inputCount: inputCount, populations: layers, synapses: syn, outputs: outputs, tmax: tmax, solver: solver, maxEvents: maxEvents)
    }
}
