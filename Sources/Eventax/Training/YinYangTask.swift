import Foundation

/// The loss a classifier is trained with.
public enum LossKind: String, CaseIterable, Sendable, Codable {
    /// Time-to-first-spike cross-entropy with the Wunderlich–Pehle regularizer.
    case ttfs
    /// Softmax cross-entropy over max_t v(t) of LI readouts.
    case max
    /// Softmax cross-entropy over ∫₀ᵀ v dt of LI readouts.
    case integral
    /// Softmax cross-entropy over ∫₀ᵀ e^{−t/T} v dt of LI readouts.
    case expIntegral = "exp-integral"
}

/// Everything that defines a Yin-Yang training run. Defaults are the paper's (Tables II/III).
public struct TrainingConfig: Codable, Sendable, Equatable {
    /// Hidden (and, for TTFS, output) neuron model: lif, qif, eif, izhikevich.
    public var neuron = "qif"
    /// The loss.
    public var loss = LossKind.ttfs
    /// Epochs.
    public var epochs = 100
    /// Seed of initialization and shuffling.
    public var seed: UInt64 = 0
    /// Minibatch size.
    public var batchSize = 256
    /// Learning rate (nil: the paper's — 0.005 for TTFS and for state-based LIF, 0.03 otherwise).
    public var lr: Double?
    /// Hidden neurons.
    public var hidden = 50
    /// Solver method name. Adaptive Tsit5 by default: on Yin-Yang QIF it is 2.5× faster per epoch
    /// than Euler with dt 0.05 and its spike times are ~1000× more accurate (see `eventax bench`).
    public var solver = "tsit5"
    /// Step (first step when adaptive).
    public var dt = 0.05
    /// Relative tolerance (nil: constant steps of dt); the absolute tolerance is rtol/100.
    public var rtol: Double? = 1e-6
    /// Global-norm gradient clipping.
    public var clip = 1.0
    /// Membrane and synaptic time constants.
    public var tmem = 20.0, tsyn = 5.0
    /// Trial length (ms); inputs are (x, y, 1−x, 1−y)·30 ms plus a bias spike at 0.
    public var tmax = 30.0
    /// Use only the first N training samples (nil: all 5000).
    public var trainSubset: Int?
    /// Initial weights are uniform in wmean ± wlim/2 (Eventax's convention); nil: the model's default.
    public var wmean: Double?
    /// Width of the initial weight range; nil: the model's default.
    public var wlim: Double?
    /// Restrict spiking neurons to at most one spike (nil: the paper's choice — on for LIF and Izhikevich with TTFS).
    public var amos: Bool?

    /// The paper's defaults.
    public init() {}

    /// The learning rate in force.
    public var learningRate: Double { lr ?? ((loss == .ttfs || neuron == "lif") ? 0.005 : 0.03) }
    /// Whether AMOS is in force.
    public var usesAMOS: Bool { amos ?? (loss == .ttfs && (neuron == "lif" || neuron == "izhikevich")) }

    /// Checks every field and names the offending one.
    public func validate() throws {
        guard ["lif", "qif", "eif", "izhikevich"].contains(neuron) else { throw EventaxError.invalid(field: "--neuron", "unknown model \"\(neuron)\" (known: lif, qif, eif, izhikevich)") }
        guard epochs >= 1 else { throw EventaxError.invalid(field: "--epochs", "must be ≥ 1, got \(epochs)") }
        guard batchSize >= 1 else { throw EventaxError.invalid(field: "--batch-size", "must be ≥ 1, got \(batchSize)") }
        guard learningRate.isFinite, learningRate > 0 else { throw EventaxError.invalid(field: "--lr", "must be a finite number > 0, got \(learningRate)") }
        guard hidden >= 1 else { throw EventaxError.invalid(field: "--hidden", "must be ≥ 1, got \(hidden)") }
        guard ButcherTableau.named(solver) != nil else { throw EventaxError.invalid(field: "--solver", "unknown method \"\(solver)\" (known: \(ButcherTableau.builtInNames.joined(separator: ", ")))") }
        guard dt.isFinite, dt > 0 else { throw EventaxError.invalid(field: "--dt", "must be a finite number > 0, got \(dt)") }
        if let r = rtol, !(r.isFinite && r > 0) { throw EventaxError.invalid(field: "--rtol", "must be a finite number > 0, got \(r)") }
        guard clip.isFinite, clip > 0 else { throw EventaxError.invalid(field: "--clip", "must be a finite number > 0, got \(clip)") }
        if let w = wlim, !(w.isFinite && w >= 0) { throw EventaxError.invalid(field: "--wlim", "must be a finite number ≥ 0, got \(w)") }
        if let w = wmean, !w.isFinite { throw EventaxError.invalid(field: "--wmean", "must be finite, got \(w)") }
        if let n = trainSubset, !(1...5000).contains(n) { throw EventaxError.invalid(field: "--train-subset", "must be in 1...5000, got \(n)") }
        try solverConfig.validate()
    }

    /// The solver configuration.
    public var solverConfig: SolverConfig {
        let tab = ButcherTableau.named(solver) ?? .euler
        return SolverConfig(tableau: tab, dt: dt, adaptive: rtol.map { AdaptiveConfig(rtol: $0, atol: $0 * 1e-2) })
    }
}

/// The Yin-Yang classification task: data, encoding and the network of the paper's setups.
public enum YinYangTask {
    /// Encodes one sample: channels (x, y, 1−x, 1−y)·30 ms and a bias spike at t = 0.
    public static func encode(_ s: YinYangSample) -> [[Double]] {
        [[s.x * 30], [s.y * 30], [(1 - s.x) * 30], [(1 - s.y) * 30], [0]]
    }

    /// Observation times of the max logit: a grid of 0.5 ms over the trial.
    public static func maxGrid(tmax: Double) -> [Double] {
        stride(from: 0.0, through: tmax, by: 0.5).map { $0 }
    }

    /// Initial weight range (uniform), bias range, per model. The paper's initial values did not
    /// survive in our copy; LIF and EIF use Eventax's defaults, QIF uses [0, 10]: Eventax's
    /// [0, 40] makes every output spike at ~9 ms, before most inputs arrive (inputs span 0–30 ms),
    /// and learning stalls near 64 % (measured, 100 epochs); [0, 10] puts the first output spike
    /// near 20 ms and reaches 73 % validation accuracy after 4 epochs.
    static func initRanges(_ neuron: String) -> (w: ClosedRange<Double>, b: ClosedRange<Double>, fanIn: Bool) {
        switch neuron {
        case "lif": return (0...6, -0.5...0.5, false)
        case "eif": return (0...40, 0...0.05, true)
        case "izhikevich": return (0...40, -0.5...0.5, true)
        default: return (0...10, -0.5...0.5, false)
        }
    }

    /// A population of the chosen model, wrapped in AMOS when asked.
    static func spec(_ neuron: String, count: Int, config: TrainingConfig, bias: [Double], amos: Bool) -> PopulationSpec {
        let tau: [String: [Double]]
        switch neuron {
        case "izhikevich": tau = ["tau_syn": [config.tsyn], "ic": bias]
        default: tau = ["tmem": [config.tmem], "tsyn": [config.tsyn], "ic": bias]
        }
        switch (neuron, amos) {
        case ("lif", false): return PopulationSpec(LIF(), count: count, parameters: tau)
        case ("lif", true): return PopulationSpec(AMOS(LIF()), count: count, parameters: tau)
        case ("eif", false): return PopulationSpec(EIF(), count: count, parameters: tau)
        case ("eif", true): return PopulationSpec(AMOS(EIF()), count: count, parameters: tau)
        case ("izhikevich", false): return PopulationSpec(Izhikevich(), count: count, parameters: tau)
        case ("izhikevich", true): return PopulationSpec(AMOS(Izhikevich()), count: count, parameters: tau)
        case (_, true): return PopulationSpec(AMOS(QIF()), count: count, parameters: tau)
        default: return PopulationSpec(QIF(), count: count, parameters: tau)
        }
    }

    /// The initial 5-H-3 network: the chosen model in both layers for TTFS, else a hidden layer of
    /// it followed by integrating LI readouts without bias.
    public static func initialNetwork(_ config: TrainingConfig) throws -> Network {
        var rng = SplitMix64(seed: config.seed)
        var r = initRanges(config.neuron)
        if config.wmean != nil || config.wlim != nil {
            let mean = config.wmean ?? (r.w.lowerBound + r.w.upperBound) / 2
            let width = config.wlim ?? (r.w.upperBound - r.w.lowerBound)
            r.w = (mean - width / 2)...(mean + width / 2)
        }
        func matrix(_ rows: Int, _ cols: Int, _ range: ClosedRange<Double>, scale: Double) -> [[Double]] {
            (0..<rows).map { _ in (0..<cols).map { _ in rng.uniform(range) * scale } }
        }
        let h = config.hidden
        let w0 = matrix(5, h, r.w, scale: r.fanIn ? 1.0 / 5 : 1)
        let b0 = (0..<h).map { _ in rng.uniform(r.b) }
        let hiddenSpec = spec(config.neuron, count: h, config: config, bias: b0, amos: config.usesAMOS)
        if config.loss == .ttfs {
            let w1 = matrix(h, 3, r.w, scale: r.fanIn ? 1.0 / Double(h) : 1)
            let b1 = (0..<3).map { _ in rng.uniform(r.b) }
            let out = spec(config.neuron, count: 3, config: config, bias: b1, amos: config.usesAMOS)
            return try Network.layered(inputCount: 5, layers: [hiddenSpec, out], weights: [w0, w1], tmax: config.tmax,
                                       solver: config.solverConfig, maxEvents: 200_000)
        }
        let w1 = matrix(h, 3, -1...1, scale: 1)
        let out = PopulationSpec(IntegratingLI(), count: 3, parameters: ["tmem": [config.tmem], "tsyn": [config.tsyn], "horizon": [config.tmax]])
        return try Network.layered(inputCount: 5, layers: [hiddenSpec, out], weights: [w0, w1], tmax: config.tmax,
                                   solver: config.solverConfig, maxEvents: 200_000)
    }

    /// The readout request for a loss.
    public static func readout(_ config: TrainingConfig) -> ReadoutRequest {
        switch config.loss {
        case .ttfs: return .ttfs
        case .max: return ReadoutRequest(observationTimes: maxGrid(tmax: config.tmax))
        case .integral, .expIntegral: return ReadoutRequest(observationTimes: [config.tmax])
        }
    }

    /// Loss, cotangent and predicted class of one simulated sample.
    public static func evaluate(_ r: SimulationResult, label: Int, config: TrainingConfig) -> (loss: Double, cotangent: Cotangent, prediction: Int) {
        switch config.loss {
        case .ttfs:
            let (l, ct) = TTFSCrossEntropy().lossAndCotangent(ttfs: r.ttfs, label: label, tmax: config.tmax)
            let t = r.ttfs.map { $0 ?? .infinity }
            var pred = 0
            for k in t.indices where t[k] < t[pred] { pred = k }
            return (l, Cotangent(ttfs: ct), pred)
        case .max:
            var logits = [Double](), argmax = [Int]()
            for o in r.states.indices {
                var best = 0
                for k in r.states[o].indices where r.states[o][k][0] > r.states[o][best][0] { best = k }
                logits.append(r.states[o][best][0]); argmax.append(best)
            }
            let (l, g) = softmaxCrossEntropy(logits: logits, label: label)
            let ct = r.states.indices.map { o in r.states[o].indices.map { k in [k == argmax[o] ? g[o] : 0, 0, 0] } }
            return (l, Cotangent(states: ct), logits.indices.max { logits[$0] < logits[$1] }!)
        case .integral, .expIntegral:
            let channel = config.loss == .integral ? 1 : 2
            let logits = r.states.map { $0[0][channel] }
            let (l, g) = softmaxCrossEntropy(logits: logits, label: label)
            let ct = r.states.indices.map { o in [[0, channel == 1 ? g[o] : 0, channel == 2 ? g[o] : 0]] }
            return (l, Cotangent(states: ct), logits.indices.max { logits[$0] < logits[$1] }!)
        }
    }
}

/// SplitMix64: a small, fast, seedable generator for initialization and shuffling.
public struct SplitMix64: Sendable, Codable {
    /// The generator state.
    public var state: UInt64
    /// A generator seeded with `seed`.
    public init(seed: UInt64) { state = seed }
    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
    /// A uniform double in `range`.
    public mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * Double(next() >> 11) / Double(1 << 53)
    }
    /// A seeded Fisher–Yates shuffle of 0..<n.
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n > 1 { for i in stride(from: n - 1, to: 0, by: -1) { p.swapAt(i, Int(next() % UInt64(i + 1))) } }
        return p
    }
}
