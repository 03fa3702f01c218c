import HeapModule

/// An entry of the global time-ordered queue. At equal times: spikes, then deliveries, then the
/// advance of the input-driven neurons through the next input spike, then integration frontiers,
/// then observations; then insertion order.
@usableFromInline
struct QueueEntry: Comparable {
    @usableFromInline var time: Double
    @usableFromInline var priority: UInt8
    @usableFromInline var seq: UInt32
    @usableFromInline var item: Int32
    @usableFromInline var version: UInt32

    @usableFromInline static let spike: UInt8 = 0, fanout: UInt8 = 1, advance: UInt8 = 2, frontier: UInt8 = 3, observation: UInt8 = 4

    @inlinable static func < (l: QueueEntry, r: QueueEntry) -> Bool {
        if l.time != r.time { return l.time < r.time }
        if l.priority != r.priority { return l.priority < r.priority }
        return l.seq < r.seq
    }
    @inlinable static func == (l: QueueEntry, r: QueueEntry) -> Bool { l.time == r.time && l.priority == r.priority && l.seq == r.seq }
}

/// A committed spike.
@usableFromInline
struct SpikeRecord {
    @usableFromInline var neuron: Int32
    @usableFromInline var record: Int32
    @usableFromInline var time: Double
    @usableFromInline var tbar: Double = 0
    /// Whether the run's result lists it (an ahead-pass spike is listed when it is fanned out; one
    /// past a stop at the first output spikes is not).
    @usableFromInline var reported = false
}

/// A committed delivery of a spike to one target.
@usableFromInline
struct DeliveryRecord {
    @usableFromInline var target: Int32
    @usableFromInline var synapse: Int32
    /// ≥ 0: spike id; < 0: −(input spike index + 1).
    @usableFromInline var source: Int32
    @usableFromInline var record: Int32
}

/// An observation of an output neuron inside a step: o = observe(Φ(u, τ)).
@usableFromInline
struct Tap {
    @usableFromInline var position: Int32
    @usableFromInline var output: Int32
    @usableFromInline var timeIndex: Int32
    @usableFromInline var tau: Double
    @usableFromInline var stateOffset: Int
}

/// Runs event-driven simulations of one network and their reverse passes. Each neuron is
/// integrated only between the events that touch it, speculatively in chunks of steps; a global
/// time-ordered queue orders deliveries, predicted spikes and integration frontiers. Reuse one
/// simulator per thread: its buffers keep their capacity between samples.
public final class Simulator {
    /// The simulated network.
    public let network: Network
    /// Accepted steps a neuron may take speculatively before the queue is consulted again.
    public var chunkSteps = 16
    /// Accepted steps a neuron may take in one go when its inputs are known up to a horizon.
    public var safeChunkSteps = 16
    /// The default of ``maxSteps``.
    public static let defaultMaxSteps = 50_000_000
    /// Upper bound on solver steps per simulation; exceeding it throws.
    public var maxSteps = Simulator.defaultMaxSteps
    /// Whether input-driven neurons (fed only by every input channel, without delays; not
    /// outputs) are integrated four at a time in lockstep between input spikes, ahead of the
    /// other neurons, instead of one by one interleaved with them through the queue. Their records
    /// are the same either way, bit for bit. With a readout that runs to tmax they go through the
    /// whole trial before the event loop starts. With one that stops at the first output spikes
    /// they go one input spike at a time, when the event loop needs them there, in slices of at
    /// most ``aheadSliceSteps`` steps per neuron (so the stop leaves at most one slice of their
    /// steps unused), and after the last input spike the event loop integrates them as any other
    /// neuron.
    public var simulatesInputDrivenAhead = true
    /// When the readout stops at the first output spikes: the steps an input-driven neuron may take
    /// towards the next input spike before the event loop goes on (after the lockstep step). The
    /// records do not depend on it; small slices waste fewer steps past the stop and cost more
    /// queue entries.
    public var aheadSliceSteps = 64

    /// One tape per neuron (raw storage: a tape is reached without a uniqueness check of an array).
    @usableFromInline let tapes: UnsafeMutablePointer<NeuronTape>
    /// Each neuron's model operations (one reference per neuron, looked up once). Unretained: the
    /// network keeps them alive, and hot calls borrow them with `_withUnsafeGuaranteedRef`, which
    /// spares the atomic retain and release a call through a class reference otherwise costs.
    @usableFromInline let opsOf: [Unmanaged<KernelOps>]
    /// Each neuron's integration state (raw storage: `&runtime[n]` is passed to the kernel in place, not copied out and back).
    @usableFromInline let runtime: UnsafeMutablePointer<NeuronRuntime>
    @usableFromInline let state: UnsafeMutablePointer<Double>
    @usableFromInline let scratch: UnsafeMutableRawPointer
    @usableFromInline var queue = Heap<QueueEntry>()
    @usableFromInline var seq: UInt32 = 0
    @usableFromInline var spikes: [SpikeRecord] = []
    @usableFromInline var deliveries: [DeliveryRecord] = []
    /// Committed events in order: ≥ 0 delivery id, < 0 −(spike id + 1).
    @usableFromInline var log: [Int32] = []
    @usableFromInline var taps: [[Tap]]
    @usableFromInline var tapStates: [Double] = []
    @usableFromInline var inputSpikes: [(channel: Int32, index: Int32, time: Double)] = []
    @usableFromInline var delayed: [(Int32, Int32)] = []
    /// Per neuron: the time up to which its spikes are certain (no delivery can still arrive before it).
    /// Written only through ``setCertain(_:_:)``.
    @usableFromInline let certain: UnsafeMutablePointer<Double>
    /// The smallest `certain` of the input-driven neurons, as a tournament tree over their rows:
    /// node 1 is the root, leaves start at `drivenLeaves` (padding leaves hold +∞).
    @usableFromInline let drivenMin: UnsafeMutablePointer<Double>
    @usableFromInline let drivenLeaves: Int
    /// Input spikes in time order (indices into `inputSpikes`) and how many have been fanned out.
    @usableFromInline var inputOrder: [Int32] = []
    @usableFromInline var inputPos = 0
    /// Neurons (and their versions) that stopped at the next input spike's time, waiting for it.
    @usableFromInline var parked: [(Int32, UInt32)] = []
    @usableFromInline var inputShape: [Int] = []
    @usableFromInline var observationOrder: [Int] = []
    @usableFromInline var lastRequest = ReadoutRequest()
    @usableFromInline var hasRun = false
    /// For each spike: −2 unless the ahead pass committed it; else the id of the same neuron's
    /// next spike from the ahead pass, or −1 (none yet).
    @usableFromInline var aheadNext: [Int32] = []
    /// Per input-driven neuron (by its row): its earliest ahead-pass spike not yet fanned out and
    /// its latest ahead-pass spike (ids, or −1).
    @usableFromInline var aheadPending: [Int32] = []
    @usableFromInline var aheadLatest: [Int32] = []
    /// The time every input-driven neuron has been integrated to by the ahead pass.
    @usableFromInline var aheadReached = 0.0
    /// The lockstep groups of the ahead pass: ranges of `network.inputDriven`, at most four
    /// neurons of one population each.
    @usableFromInline let aheadGroups: [Range<Int>]
    /// The neurons of a lockstep group: their runtimes, tapes, states and parameters.
    @usableFromInline let laneRuntime = UnsafeMutablePointer<UnsafeMutablePointer<NeuronRuntime>>.allocate(capacity: 4)
    @usableFromInline let laneTape = UnsafeMutablePointer<UnsafeMutablePointer<NeuronTape>>.allocate(capacity: 4)
    @usableFromInline let laneState = UnsafeMutablePointer<UnsafeMutablePointer<Double>>.allocate(capacity: 4)
    @usableFromInline let laneParams = UnsafeMutablePointer<UnsafeMutablePointer<Double>>.allocate(capacity: 4)

    /// A simulator for `network`.
    public init(network: Network) {
        self.network = network
        tapes = .allocate(capacity: max(network.neuronCount, 1))
        for n in 0..<network.neuronCount {
            (tapes + n).initialize(to: NeuronTape(n: network.populations[Int(network.populationOf[n])].ops.stateCount))
        }
        certain = .allocateFilled(0, count: network.neuronCount)
        var leaves = 1
        while leaves < network.inputDriven.count { leaves *= 2 }
        drivenLeaves = leaves
        drivenMin = .allocateFilled(.infinity, count: 2 * leaves)
        runtime = .allocateFilled(NeuronRuntime(), count: network.neuronCount)
        opsOf = (0..<network.neuronCount).map { .passUnretained(network.populations[Int(network.populationOf[$0])].ops) }
        state = .allocate(capacity: max(network.stateTotal, 1))
        scratch = .allocate(byteCount: network.scratchBytes, alignment: 64)
        taps = [[Tap]](repeating: [], count: network.neuronCount)
        let driven = network.inputDriven
        var groups: [Range<Int>] = [], g = 0
        while g < driven.count {
            let population = network.populationOf[Int(driven[g])]
            var end = g + 1
            while end < driven.count && end - g < 4 && network.populationOf[Int(driven[end])] == population { end += 1 }
            groups.append(g..<end)
            g = end
        }
        aheadGroups = groups
    }

    deinit {
        for n in 0..<network.neuronCount { tapes[n].deallocate() }
        tapes.deinitialize(count: network.neuronCount)
        tapes.deallocate()
        runtime.deallocate()
        certain.deallocate()
        drivenMin.deallocate()
        state.deallocate()
        scratch.deallocate()
        laneRuntime.deallocate(); laneTape.deallocate(); laneState.deallocate(); laneParams.deallocate()
    }

    /// Frontier entries at the current time, in insertion order. They are exactly the entries the
    /// heap would return next among themselves (same time and priority, increasing `seq`), so
    /// keeping them in a FIFO preserves the queue order while sparing the heap the fan-out bursts.
    @usableFromInline var ready: [QueueEntry] = []
    @usableFromInline var readyHead = 0
    @usableFromInline var now = -Double.infinity

    @inline(__always)
    func push(_ time: Double, _ priority: UInt8, _ item: Int, _ version: UInt32 = 0) {
        let e = QueueEntry(time: time, priority: priority, seq: seq, item: Int32(item), version: version)
        seq &+= 1
        if time == now && priority == QueueEntry.frontier { ready.append(e) } else { queue.insert(e) }
    }

    /// The smallest entry of the heap and the FIFO.
    @inline(__always)
    func popNext() -> QueueEntry? {
        if readyHead < ready.count {
            if let m = queue.min, m < ready[readyHead] { return queue.popMin() }
            let e = ready[readyHead]
            readyHead += 1
            if readyHead == ready.count { ready.removeAll(keepingCapacity: true); readyHead = 0 }
            return e
        }
        guard let e = queue.popMin() else { return nil }
        now = e.time
        return e
    }

    /// Sets the certain time of neuron `n`, keeping the minimum over the input-driven neurons current.
    @inline(__always)
    func setCertain(_ n: Int, _ value: Double) {
        certain[n] = value
        let row = Int(network.inputDrivenRow[n])
        guard row >= 0 else { return }
        var i = drivenLeaves + row
        drivenMin[i] = value
        while i > 1 {
            i /= 2
            let m = min(drivenMin[2 * i], drivenMin[2 * i + 1])
            if drivenMin[i] == m { break }
            drivenMin[i] = m
        }
    }

    /// Sets every certain time to 0.
    func resetCertain() {
        certain.update(repeating: 0, count: network.neuronCount)
        for row in network.inputDriven.indices { drivenMin[drivenLeaves + row] = 0 }
        for i in stride(from: drivenLeaves - 1, through: 1, by: -1) { drivenMin[i] = min(drivenMin[2 * i], drivenMin[2 * i + 1]) }
    }

    /// Checks input spike times: one list per channel, each time ≥ 0 (or +∞, ignored), sorted.
    public static func validate(input: [[Double]], channels: Int) throws {
        guard input.count == channels else {
            throw EventaxError.invalid(field: "spikes", "has \(input.count) channels, the network has \(channels) inputs")
        }
        for (c, times) in input.enumerated() {
            var prev = -Double.infinity
            for (k, t) in times.enumerated() {
                guard !t.isNaN, t >= 0 else { throw EventaxError.invalid(field: "spikes[\(c)][\(k)]", "must be ≥ 0 (or +inf to ignore), got \(t)") }
                guard t >= prev else { throw EventaxError.invalid(field: "spikes[\(c)][\(k)]", "\(t) comes after \(prev): times must be sorted") }
                prev = t
            }
        }
    }

    /// Simulates the network on one input (spike times per channel) and returns the readouts.
    public func run(_ input: [[Double]], readout: ReadoutRequest = .full) throws -> SimulationResult {
        try Simulator.validate(input: input, channels: network.inputCount)
        for (k, t) in readout.observationTimes.enumerated() where !(t >= 0 && t <= network.tmax) {
            throw EventaxError.invalid(field: "observe[\(k)]", "must lie in [0, tmax = \(network.tmax)], got \(t)")
        }
        let net = network
        if net.solver.adaptive == nil && !readout.stopAfterFirstOutputSpikes {
            // Every neuron is integrated to tmax in constant steps (more when events restart the
            // grid): refuse at once a run that is certain to exceed maxSteps.
            let perNeuron = net.tmax / net.solver.dt, total = perNeuron * Double(net.neuronCount)
            if total > Double(maxSteps) {
                throw EventaxError.integration("tmax / dt = \(net.tmax) / \(net.solver.dt) = \(perNeuron) constant steps per neuron (\(total) for \(net.neuronCount) neuron\(net.neuronCount == 1 ? "" : "s")) exceed maxSteps = \(maxSteps); use a larger solver.dt, a smaller tmax or adaptive steps")
            }
        }
        hasRun = false
        lastRequest = readout
        let ahead = simulatesInputDrivenAhead && !net.inputDriven.isEmpty
        // Ahead of a readout that stops early, the input-driven neurons advance one input at a time.
        let lazyAhead = ahead && readout.stopAfterFirstOutputSpikes
        let nOut = net.outputs.count
        queue = Heap()
        seq = 0
        ready.removeAll(keepingCapacity: true)
        readyHead = 0
        now = -Double.infinity
        spikes.removeAll(keepingCapacity: true)
        deliveries.removeAll(keepingCapacity: true)
        log.removeAll(keepingCapacity: true)
        tapStates.removeAll(keepingCapacity: true)
        inputSpikes.removeAll(keepingCapacity: true)
        delayed.removeAll(keepingCapacity: true)
        inputShape = input.map(\.count)
        resetCertain()
        var result = SimulationResult(ttfs: [Double?](repeating: nil, count: nOut), spikes: [[Double]](repeating: [], count: net.neuronCount),
                                      states: [[[Double]]](repeating: [[Double]](repeating: [], count: readout.observationTimes.count), count: nOut),
                                      eventCount: 0, stepCount: 0, spikeEventCount: 0)
        var outputSlot = [Int32](repeating: -1, count: net.neuronCount)
        for (k, o) in net.outputs.enumerated() where outputSlot[o] < 0 { outputSlot[o] = Int32(k) }
        var outputsSpiked = 0
        var firstSpiked = [Bool](repeating: false, count: nOut)

        try net.parameters.withUnsafeBufferPointer { paramsBuf in
            try net.weights.withUnsafeBufferPointer { weightsBuf in
                let params = UnsafeMutablePointer(mutating: paramsBuf.baseAddress!)
                let weights = UnsafeMutablePointer(mutating: weightsBuf.baseAddress ?? UnsafePointer(bitPattern: 8)!)
                let dt = net.solver.dt
                for n in 0..<net.neuronCount {
                    let ops = opsOf[n].takeUnretainedValue()
                    let u = state + net.stateOffset[n], p = params + net.parameterOffset[n]
                    ops.initialState(p, u)
                    var rt = NeuronRuntime()
                    rt.hProp = dt; rt.hPropAtSegment = dt
                    rt.gPrev = ops.condition(u, p)
                    runtime[n] = rt
                    tapes[n].removeAll()
                    taps[n].removeAll(keepingCapacity: true)
                    if !(ahead && net.inputDrivenRow[n] >= 0) { push(0, QueueEntry.frontier, n) }
                }
                for (c, times) in input.enumerated() {
                    for (k, t) in times.enumerated() where t < net.tmax {
                        inputSpikes.append((Int32(c), Int32(k), t))
                        push(t, QueueEntry.fanout, -inputSpikes.count)
                    }
                }
                inputOrder = (0..<Int32(inputSpikes.count)).sorted { (inputSpikes[Int($0)].time, $0) < (inputSpikes[Int($1)].time, $1) }
                inputPos = 0
                parked.removeAll(keepingCapacity: true)
                observationOrder = readout.observationTimes.indices.sorted { readout.observationTimes[$0] < readout.observationTimes[$1] }
                for k in readout.observationTimes.indices { push(readout.observationTimes[k], QueueEntry.observation, k) }

                var events = 0
                var steps = 0
                var spikeEvents = 0
                aheadNext.removeAll(keepingCapacity: true)
                if ahead {
                    aheadPending.removeAll(keepingCapacity: true)
                    aheadPending.append(contentsOf: repeatElement(-1, count: net.inputDriven.count))
                    aheadLatest.removeAll(keepingCapacity: true)
                    aheadLatest.append(contentsOf: aheadPending)
                    aheadReached = 0  // `certain` is 0 for every neuron (`resetCertain` above)
                    if lazyAhead {
                        push(0, QueueEntry.advance, 0)
                    } else {
                        // Through the whole trial now, one lockstep group at a time (its neurons' data
                        // stay in cache). Their spikes reach the other neurons through the queue, and
                        // `certain` tells those neurons how far they may integrate: up to the next of
                        // these spikes still to be fanned out.
                        for group in aheadGroups {
                            for pos in inputOrder.indices {
                                try advanceInputDriven(group, through: pos, net: net, params: params, weights: weights, steps: &steps)
                            }
                            for i in group { try advanceAhead(Int(net.inputDriven[i]), to: net.tmax, net: net, params: params, steps: &steps) }
                        }
                        reachedAhead(net.tmax, net: net)
                        events = log.count
                        if events > net.maxEvents { throw EventaxError.tooManyEvents(limit: net.maxEvents) }
                    }
                }
                /// Commits the pending spike of neuron `n` at its frontier (a located crossing, or a jump
                /// that crossed the threshold), fans it out and reports whether the run may stop.
                func emitSpike(_ n: Int) throws -> Bool {
                    let t = runtime[n].t
                    let sid = commitSpike(n, net: net, params: params)
                    spikes[sid].reported = true
                    result.spikes[n].append(t)
                    events += 1
                    if events > net.maxEvents { throw EventaxError.tooManyEvents(limit: net.maxEvents) }
                    let slot = Int(outputSlot[n])
                    if slot >= 0 && !firstSpiked[slot] {
                        for k in 0..<nOut where net.outputs[k] == n {
                            firstSpiked[k] = true
                            result.ttfs[k] = t
                            outputsSpiked += 1
                        }
                        if readout.stopAfterFirstOutputSpikes && outputsSpiked == nOut { return true }
                    }
                    push(t, QueueEntry.fanout, sid)
                    push(t, QueueEntry.frontier, n, runtime[n].version)
                    return false
                }
                loop: while let e = popNext() {
                    switch e.priority {
                    case QueueEntry.frontier:
                        let n = Int(e.item)
                        guard e.version == runtime[n].version, !runtime[n].done else { continue }
                        let before = tapes[n].count
                        // Inputs to n are known up to the horizon: the certain times of its source
                        // neurons, and the next unprocessed input spike (of any channel: a cheap lower
                        // bound). Below it n integrates without speculation; at it, speculatively in short chunks.
                        let nextInputTime = inputPos < inputOrder.count ? inputSpikes[Int(inputOrder[inputPos])].time : net.tmax
                        let inputLimit = nextInputTime + net.minInputDelay[n]
                        var horizon = min(net.tmax, inputLimit, drivenMin[1] + net.drivenSourceDelay[n])
                        for k in net.inNeuronStart[n]..<net.inNeuronStart[n + 1] {
                            horizon = min(horizon, certain[Int(net.inNeuronSource[k])] + net.inNeuronDelay[k])
                        }
                        let safe = horizon > runtime[n].t
                        let clip = safe && horizon == inputLimit && net.receivesEveryInput[n]
                        let spiked = try opsOf[n]._withUnsafeGuaranteedRef { ops in
                            try ops.extend(&runtime[n], &tapes[n], state + net.stateOffset[n], params + net.parameterOffset[n],
                                           net.tmax, safe ? horizon : .infinity, clip, safe ? safeChunkSteps : chunkSteps, scratch)
                        }
                        if safe { setCertain(n, max(certain[n], min(runtime[n].t, horizon))) }
                        steps += tapes[n].count - before
                        try checkStepCount(steps)
                        if spiked {
                            push(runtime[n].t, QueueEntry.spike, n, runtime[n].version)
                        } else if safe && runtime[n].t >= horizon && horizon == inputLimit && inputPos < inputOrder.count {
                            // Waiting for the next input spike: no queue entry until it has been fanned out.
                            parked.append((Int32(n), runtime[n].version))
                        } else if !runtime[n].done {
                            push(runtime[n].t, QueueEntry.frontier, n, runtime[n].version)
                        }
                    case QueueEntry.spike:
                        let n = Int(e.item)
                        guard e.version == runtime[n].version, runtime[n].spikePending else { continue }
                        if try emitSpike(n) { break loop }
                    case QueueEntry.fanout:
                        if e.version == 1 {  // a delayed delivery of one synapse
                            let (s, src) = delayed[Int(e.item)]
                            if let n = try deliver(Int(s), source: Int(src), at: e.time, net: net, params: params, weights: weights, events: &events),
                               try emitSpike(n) { break loop }
                            continue
                        }
                        let src = Int(e.item)
                        spikeEvents += 1
                        if src >= 0 && aheadNext[src] != -2 {
                            // A spike of an input-driven neuron, simulated ahead: it counts from now on.
                            let m = Int(spikes[src].neuron), row = Int(net.inputDrivenRow[m])
                            result.spikes[m].append(e.time)
                            spikes[src].reported = true
                            aheadPending[row] = aheadNext[src]
                            setCertain(m, max(certain[m], aheadPending[row] >= 0 ? spikes[Int(aheadPending[row])].time : aheadReached))
                        }
                        if src < 0 {
                            inputPos += 1
                            // Neurons waiting for this input may go on (those it reaches get a newer entry).
                            for (m, version) in parked where runtime[Int(m)].version == version && !runtime[Int(m)].done {
                                push(runtime[Int(m)].t, QueueEntry.frontier, Int(m), version)
                            }
                            parked.removeAll(keepingCapacity: true)
                        }
                        let sourceIndex = src >= 0 ? net.inputCount + Int(spikes[src].neuron) : Int(inputSpikes[-src - 1].channel)
                        // Input spikes skip the input-driven neurons (they have had them already).
                        let (targets, start) = ahead && src < 0 ? (net.loopInputSynapse, net.loopInputStart) : (net.outSynapse, net.outStart)
                        for k in start[sourceIndex]..<start[sourceIndex + 1] {
                            let s = Int(targets[k])
                            let delay = net.synapseDelay[s]
                            if delay > 0 {
                                delayed.append((Int32(s), Int32(src)))
                                push(e.time + delay, QueueEntry.fanout, delayed.count - 1, 1)
                            } else if let n = try deliver(s, source: src, at: e.time, net: net, params: params, weights: weights, events: &events),
                                      try emitSpike(n) {
                                break loop
                            }
                        }
                    case QueueEntry.advance:
                        // The input-driven neurons go on through the next input spike (after the
                        // last one, the event loop takes them on).
                        // An entry of version 0 starts on input spike `pos` with the lockstep step;
                        // those of version 1 continue the neurons that were still short of it.
                        let pos = Int(e.item), before = log.count
                        if pos < inputOrder.count {
                            let time = inputSpikes[Int(inputOrder[pos])].time
                            if e.version == 0 {
                                for group in aheadGroups { lockstepInputDriven(group, to: time, net: net, params: params, steps: &steps) }
                                try checkStepCount(steps)
                            }
                            var reached = time
                            for n in net.inputDriven where runtime[Int(n)].t < time {
                                try advanceAhead(Int(n), to: time, budget: aheadSliceSteps, net: net, params: params, steps: &steps)
                                if runtime[Int(n)].t < time && !runtime[Int(n)].done { reached = min(reached, runtime[Int(n)].t) }
                            }
                            if reached < time {
                                reachedAhead(reached, net: net)
                                push(reached, QueueEntry.advance, pos, 1)
                            } else {
                                for i in net.inputDriven.indices { try deliverInput(pos, toInputDriven: i, net: net, params: params, weights: weights) }
                                reachedAhead(time, net: net)
                                push(time, QueueEntry.advance, pos + 1)
                            }
                        } else {
                            for n in net.inputDriven where !runtime[Int(n)].done {
                                push(runtime[Int(n)].t, QueueEntry.frontier, Int(n), runtime[Int(n)].version)
                            }
                        }
                        events += log.count - before
                        if events > net.maxEvents { throw EventaxError.tooManyEvents(limit: net.maxEvents) }
                    default:
                        let k = Int(e.item)
                        for (slot, n) in net.outputs.enumerated() {
                            let ops = opsOf[n].takeUnretainedValue()
                            var obs = [Double](repeating: 0, count: ops.observableCount)
                            observe(n, slot: slot, timeIndex: k, time: e.time, ops: ops, params: params + net.parameterOffset[n], into: &obs)
                            result.states[slot][k] = obs
                        }
                    }
                }
                result.eventCount = events
                result.deliveryCount = log.count - spikes.count  // the log holds every delivery and every committed spike
                result.stepCount = steps
                result.spikeEventCount = spikeEvents
                result.committedRecords = (0..<net.neuronCount).map { runtime[$0].specStart }
            }
        }
        hasRun = true
        return result
    }

    /// Delivers a spike from `source` through synapse `s` at time `T`: rolls the target back to `T`,
    /// records the jump on its tape and applies it. Returns the target when the jump carried its
    /// spike condition from below zero to zero or above (it spikes at `T`; the caller commits it).
    @inline(__always)
    func deliver(_ s: Int, source src: Int, at T: Double, net: Network, params: UnsafeMutablePointer<Double>,
                 weights: UnsafeMutablePointer<Double>, events: inout Int) throws -> Int? {
        guard T < net.tmax else { return nil }
        let (n, crossed) = commitDelivery(s, source: src, at: T, net: net, params: params, weights: weights)
        push(T, QueueEntry.frontier, n, runtime[n].version)
        events += 1
        if events > net.maxEvents { throw EventaxError.tooManyEvents(limit: net.maxEvents) }
        return crossed ? n : nil
    }

    /// Rolls the target of synapse `s` back to `T`, records the jump and applies it; returns the
    /// target and whether the jump carried its spike condition from below zero to zero or above.
    @inline(__always)
    func commitDelivery(_ s: Int, source src: Int, at T: Double, net: Network, params: UnsafeMutablePointer<Double>,
                        weights: UnsafeMutablePointer<Double>, target: Int? = nil) -> (target: Int, crossed: Bool) {
        let n = target ?? Int(net.synapseTarget[s])
        let u = state + net.stateOffset[n], p = params + net.parameterOffset[n]
        let did = deliveries.count
        let (crossed, g) = opsOf[n]._withUnsafeGuaranteedRef { ops in
            ops.rollback(T, &runtime[n], &tapes[n], u, p, scratch)
            let r = tapes[n].count
            deliveries.append(DeliveryRecord(target: Int32(n), synapse: Int32(s), source: Int32(src), record: Int32(r)))
            tapes[n].append(.jump, aux: Int32(did), t: T, h: 0, state: u)
            ops.jump(u, weights + net.weightIndex(ofSynapse: s), p)
            let g = ops.condition(u, p)
            // Only a jump that ends at or above the threshold can have crossed it: then the
            // condition before it is read from the state the jump record keeps.
            return (g >= 0 && ops.condition(tapes[n].u + r * tapes[n].n, p) < 0, g)
        }
        commitEvent(n, g)
        log.append(Int32(did))
        return (n, crossed)
    }

    /// Records the pending spike of neuron `n` at its frontier and resets it; returns the spike id.
    @inline(__always)
    func commitSpike(_ n: Int, net: Network, params: UnsafeMutablePointer<Double>) -> Int {
        let u = state + net.stateOffset[n], p = params + net.parameterOffset[n]
        let t = runtime[n].t
        let sid = spikes.count
        spikes.append(SpikeRecord(neuron: Int32(n), record: Int32(tapes[n].count), time: t))
        aheadNext.append(-2)
        tapes[n].append(.reset, aux: Int32(sid), t: t, h: 0, state: u)
        let g = opsOf[n]._withUnsafeGuaranteedRef { ops in
            ops.reset(u, p)
            return ops.condition(u, p)
        }
        commitEvent(n, g)
        log.append(Int32(-(sid + 1)))
        return sid
    }

    /// Integrates the input-driven neurons `group` (a lockstep group) up to the time of the input
    /// spike `inputOrder[pos]` and delivers that spike to them: one lockstep step takes every
    /// neuron whose way to the spike's time is a single accepted step without a spike (almost all
    /// of them, when inputs are dense); ``extend`` takes the others (the same steps it would take
    /// alone, spikes committed on the way); then the delivery. Their steps end at every input
    /// time, as in the event loop, where the next input time is their horizon, and their records
    /// are the ones the event loop would make: there, too, nothing but the input spikes reaches
    /// them. Their new spikes are queued for fan-out.
    func advanceInputDriven(_ group: Range<Int>, through pos: Int, net: Network, params: UnsafeMutablePointer<Double>,
                            weights: UnsafeMutablePointer<Double>, steps: inout Int) throws {
        let time = inputSpikes[Int(inputOrder[pos])].time
        lockstepInputDriven(group, to: time, net: net, params: params, steps: &steps)
        for i in group {
            let n = Int(net.inputDriven[i])
            if runtime[n].t < time { try advanceAhead(n, to: time, net: net, params: params, steps: &steps) }
            try deliverInput(pos, toInputDriven: i, net: net, params: params, weights: weights)
        }
        try checkStepCount(steps)
    }

    /// The lockstep step of ``advanceInputDriven(_:through:net:params:weights:steps:)``: takes each
    /// neuron of `group` whose way to `time` is one accepted step without a spike there.
    func lockstepInputDriven(_ group: Range<Int>, to time: Double, net: Network, params: UnsafeMutablePointer<Double>, steps: inout Int) {
        let driven = net.inputDriven
        for (l, i) in group.enumerated() {
            let n = Int(driven[i])
            laneRuntime[l] = runtime + n; laneTape[l] = tapes + n
            laneState[l] = state + net.stateOffset[n]; laneParams[l] = params + net.parameterOffset[n]
        }
        steps += opsOf[Int(driven[group.lowerBound])]._withUnsafeGuaranteedRef {
            $0.lockstep(laneRuntime, laneTape, laneState, laneParams, count: group.count, tmax: net.tmax, horizon: time, scratch)
        }
    }

    /// Delivers the input spike `inputOrder[pos]` to the input-driven neuron `net.inputDriven[i]`,
    /// which has been integrated up to its time; a jump that crosses the threshold is a spike then.
    func deliverInput(_ pos: Int, toInputDriven i: Int, net: Network, params: UnsafeMutablePointer<Double>,
                      weights: UnsafeMutablePointer<Double>) throws {
        let k = Int(inputOrder[pos])
        let (_, crossed) = commitDelivery(Int(net.inputDrivenSynapse[i * net.inputCount + Int(inputSpikes[k].channel)]),
                                          source: -k - 1, at: inputSpikes[k].time, net: net, params: params, weights: weights,
                                          target: Int(net.inputDriven[i]))
        if crossed { try commitAheadSpike(Int(net.inputDriven[i]), net: net, params: params) }
    }

    /// Notes that the ahead pass has integrated every input-driven neuron to `time`: each is certain
    /// up to its next spike still to be fanned out, or up to `time`.
    func reachedAhead(_ time: Double, net: Network) {
        aheadReached = time
        for (row, n) in net.inputDriven.enumerated() {
            let pending = Int(aheadPending[row])
            setCertain(Int(n), pending >= 0 ? spikes[pending].time : time)
        }
    }

    /// Commits the pending spike of input-driven neuron `n` in the ahead pass, links it to the
    /// neuron's previous one and queues its fan-out.
    func commitAheadSpike(_ n: Int, net: Network, params: UnsafeMutablePointer<Double>) throws {
        let sid = commitSpike(n, net: net, params: params)
        let row = Int(net.inputDrivenRow[n])
        aheadNext[sid] = -1
        if aheadLatest[row] >= 0 { aheadNext[Int(aheadLatest[row])] = Int32(sid) }
        if aheadPending[row] < 0 { aheadPending[row] = Int32(sid) }
        aheadLatest[row] = Int32(sid)
        push(spikes[sid].time, QueueEntry.fanout, sid)
        if log.count > net.maxEvents { throw EventaxError.tooManyEvents(limit: net.maxEvents) }
    }

    /// Integrates the input-driven neuron `n` up to `horizon` (its steps end there), committing its
    /// spikes; returns early once it has recorded `budget` steps or more.
    func advanceAhead(_ n: Int, to horizon: Double, budget: Int = .max, net: Network, params: UnsafeMutablePointer<Double>, steps: inout Int) throws {
        let u = state + net.stateOffset[n], p = params + net.parameterOffset[n]
        let first = tapes[n].count
        while tapes[n].count - first < budget {
            let before = tapes[n].count
            let spiked = try opsOf[n]._withUnsafeGuaranteedRef { ops in
                try ops.extend(&runtime[n], &tapes[n], u, p, net.tmax, horizon, true, min(safeChunkSteps, budget - (before - first)), scratch)
            }
            steps += tapes[n].count - before
            try checkStepCount(steps)
            if spiked {
                try commitAheadSpike(n, net: net, params: params)
            } else if runtime[n].t >= horizon || runtime[n].done {
                return
            }
        }
    }

    /// Throws when a simulation has taken more than ``maxSteps`` solver steps.
    @inline(__always)
    func checkStepCount(_ steps: Int) throws {
        if steps > maxSteps { throw EventaxError.integration("more than \(maxSteps) solver steps in one simulation (maxSteps)") }
    }

    /// Records that neuron `n` has just had an event: its speculative region restarts here.
    func commitEvent(_ n: Int, _ g: Double) {
        runtime[n].gPrev = g
        runtime[n].spikePending = false
        runtime[n].specStart = tapes[n].count
        runtime[n].hPropAtSegment = runtime[n].hProp
        runtime[n].errPrevAtSegment = runtime[n].errPrev
        runtime[n].version &+= 1
        runtime[n].done = runtime[n].t >= network.tmax
    }

    /// Observes output neuron `n` at `time` (≤ its frontier) and records a tap for the reverse pass.
    @usableFromInline func observe(_ n: Int, slot: Int, timeIndex: Int, time: Double, ops: KernelOps, params p: UnsafeMutablePointer<Double>, into obs: inout [Double]) {
        let tape = tapes[n]
        let nS = tape.n
        var pos = -1
        var r = tape.count - 1
        while r >= runtime[n].specStart {
            if tape.isStep(r) && tape.rec[r].t <= time { pos = r; break }
            r -= 1
        }
        let offset = tapStates.count
        var tau = 0.0
        if pos >= 0 {
            tau = max(0, min(time - tape.rec[pos].t, tape.rec[pos].h))
            for q in 0..<nS { tapStates.append(tape.u[pos * nS + q]) }
        } else {
            pos = tape.count
            let u = state + network.stateOffset[n]
            for q in 0..<nS { tapStates.append(u[q]) }
        }
        taps[n].append(Tap(position: Int32(pos), output: Int32(slot), timeIndex: Int32(timeIndex), tau: tau, stateOffset: offset))
        tapStates.withUnsafeMutableBufferPointer { buf in
            obs.withUnsafeMutableBufferPointer { o in
                ops.observe(buf.baseAddress! + offset, p, tau, o.baseAddress!, scratch)
            }
        }
    }
}
