/// What a simulation should report.
public struct ReadoutRequest: Sendable {
    /// Stop as soon as every output neuron has spiked once (time-to-first-spike readout).
    public var stopAfterFirstOutputSpikes: Bool
    /// Times at which to observe the output neurons' observables (each in [0, tmax]).
    public var observationTimes: [Double]

    /// A readout request.
    public init(stopAfterFirstOutputSpikes: Bool = false, observationTimes: [Double] = []) {
        self.stopAfterFirstOutputSpikes = stopAfterFirstOutputSpikes
        self.observationTimes = observationTimes
    }

    /// First spike times only, stopping early.
    public static let ttfs = ReadoutRequest(stopAfterFirstOutputSpikes: true)
    /// Everything until tmax.
    public static let full = ReadoutRequest()
}

/// The result of one simulation.
public struct SimulationResult: Sendable {
    /// First spike time of each output neuron, `nil` if it did not spike.
    public var ttfs: [Double?]
    /// All spike times of every neuron (global index order).
    public var spikes: [[Double]]
    /// Observables of the output neurons: `[output][observation time][channel]`.
    public var states: [[[Double]]]
    /// Committed spikes plus deliveries.
    public var eventCount: Int
    /// Committed deliveries (spike arrivals at targets). With a readout that stops at the first
    /// output spikes, neurons simulated ahead of the event loop may have committed spikes and
    /// deliveries past the stop: they are counted here and in ``eventCount``, not in ``spikes``.
    public var deliveryCount: Int = 0
    /// Solver steps taken (including speculative steps later discarded).
    public var stepCount: Int
    /// Per neuron, the number of tape records (solver steps and events) up to its last committed
    /// event: the discrete structure of the computation (speculative steps excluded).
    public var committedRecords: [Int] = []
    /// Spikes processed (input spikes plus neuron spikes whose fan-out ran), the count Eventax
    /// reports as events popped from its spike buffer.
    public var spikeEventCount: Int
}

/// Cotangents (adjoints) on the readouts of a simulation; missing parts are zero.
public struct Cotangent: Sendable {
    /// d loss / d first-spike time, per output neuron (ignored for outputs that did not spike).
    public var ttfs: [Double]?
    /// d loss / d observed state, `[output][observation time][channel]`.
    public var states: [[[Double]]]?
    /// d loss / d spike time, per neuron per spike.
    public var spikes: [[Double]]?

    /// A cotangent.
    public init(ttfs: [Double]? = nil, states: [[[Double]]]? = nil, spikes: [[Double]]? = nil) {
        self.ttfs = ttfs; self.states = states; self.spikes = spikes
    }
}

/// Gradients of a scalar loss (through a ``Cotangent``) with respect to the network's trainables and inputs.
public struct Gradients: Sendable {
    /// Same layout as ``Network/weights``.
    public var weights: [Double]
    /// Learnable neuron parameters, neuron by neuron (see ``Network/learnableOffset``).
    public var parameters: [Double]
    /// Per input channel, per input spike (same shape as the input).
    public var inputs: [[Double]]
    /// Synaptic delays, one per synapse (layout of ``Network/delays``). Zero for a delay below 0
    /// (clamped); at exactly 0, the right derivative.
    public var delays: [Double]
    /// Axonal delays, one per neuron (layout of ``Network/axonalDelays``), with the same clamping rule.
    public var axonalDelays: [Double]

    /// Adds the weight, parameter and delay gradients of `other` (input gradients are per sample and not summed).
    public mutating func add(_ other: Gradients) {
        for k in weights.indices { weights[k] += other.weights[k] }
        for k in parameters.indices { parameters[k] += other.parameters[k] }
        for k in delays.indices { delays[k] += other.delays[k] }
        for k in axonalDelays.indices { axonalDelays[k] += other.axonalDelays[k] }
    }

    /// Zero gradients shaped for `network` and input shape. Without `delays`, ``delays`` and
    /// ``axonalDelays`` stay empty, and a reverse pass that accumulates into these gradients
    /// skips the delay gradients (training that keeps the delays fixed spares their memory traffic:
    /// one scattered read and write per delivery).
    public init(network: Network, inputShape: [Int], delays: Bool = true) {
        weights = [Double](repeating: 0, count: network.weights.count)
        parameters = [Double](repeating: 0, count: network.learnableTotal)
        inputs = inputShape.map { [Double](repeating: 0, count: $0) }
        self.delays = [Double](repeating: 0, count: delays ? network.synapses.count : 0)
        axonalDelays = [Double](repeating: 0, count: delays ? network.neuronCount : 0)
    }
}
