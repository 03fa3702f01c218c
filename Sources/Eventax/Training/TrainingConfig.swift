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

/// How initial weights are scaled by the fan-in n of their target neuron (Eventax's `fan_in_mode`).
public enum FanInScaling: String, CaseIterable, Sendable, Codable {
    /// No scaling.
    case none
    /// Weights times 1/√n.
    case sqrt
    /// Weights times 1/n.
    case linear

    /// The factor for fan-in `n`.
    public func scale(fanIn n: Int) -> Double {
        switch self {
        case .none: return 1
        case .sqrt: return 1 / Double(max(n, 1)).squareRoot()
        case .linear: return 1 / Double(max(n, 1))
        }
    }
}

/// Everything that defines a training run. Defaults are the paper's Yin-Yang setup (Tables II/III);
/// ``mnist(data:)`` gives the MNIST setup.
public struct TrainingConfig: Codable, Sendable, Equatable {
    /// The task: `yinyang` (generated, 5 inputs, 3 classes), `mnist` (784 inputs, 10 classes; needs
    /// ``data``) or `xor` (delayed-memory XOR: 9 inputs, 2 classes, recurrent EGRU).
    public var task = "yinyang"
    /// MNIST: the directory holding the four IDX files.
    public var data: String?
    /// MNIST: training images held out for validation (seeded by ``seed``).
    public var validationSize = 5000
    /// Evaluate validation and test metrics on their first N samples only (nil: all).
    public var evalSubset: Int?
    /// Hidden (and, for TTFS, output) neuron model: lif, qif, eif, izhikevich, multicompartment
    /// (one multi-compartment neuron per class; see ``Classifier``).
    public var neuron = "qif"
    /// Dendrites per multi-compartment neuron (the paper's 7 or 14); nil: 7.
    public var dendrites: Int?
    /// The loss.
    public var loss = LossKind.ttfs
    /// TTFS loss: where its regularizer enters (nil: ``TTFSCrossEntropy/Regularizer/separate``,
    /// Wunderlich & Pehle's sum; `inLog` is the form of Eventax's classification notebook).
    public var ttfsRegularizer: TTFSCrossEntropy.Regularizer?
    /// TTFS loss: β of the silent-target penalty (nil: none, the paper's loss). On a sample whose
    /// target output neuron does not spike, the TTFS loss is flat in every parameter of that
    /// neuron (its missing spike counts as `tmax`), so nothing pulls it back to threshold once a
    /// step has pushed its potential below it. With β set, such a sample adds β·(1 − max v), the
    /// largest value of the target's first observable (the membrane potential v of the built-in
    /// models; 1 is the LIF and multi-compartment threshold) on the 0.5 ms grid of the max loss,
    /// with its exact gradient.
    public var silentTargetPenalty: Double?
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
    /// Solver method name. Yin-Yang: adaptive Bosh3 at rtol 1e-3, whose spike times on `eventax
    /// bench`'s QIF network are within 0.02 ms of a Dopri5 reference at 1e-12 (Euler with dt 0.05:
    /// 0.11 ms) and which trains QIF TTFS about 1.9× faster than Tsit5 at rtol 1e-6 at the same
    /// accuracy (`docs/status-log.md`, 2026-12-06). MNIST and XOR (``mnist(data:)``, ``xor()``):
    /// adaptive Tsit5 at rtol 1e-6, the setting of their documented runs, as for Table IV.
    public var solver = "bosh3"
    /// Step (first step when adaptive).
    public var dt = 0.05
    /// Relative tolerance (nil: constant steps of dt); the absolute tolerance is rtol/100.
    public var rtol: Double? = 1e-3
    /// Global-norm gradient clipping.
    public var clip = 1.0
    /// Membrane and synaptic time constants.
    public var tmem = 20.0, tsyn = 5.0
    /// Trial length (ms); inputs are (x, y, 1−x, 1−y)·30 ms plus a bias spike at 0.
    public var tmax = 30.0
    /// Use only the first N training samples (nil: all).
    public var trainSubset: Int?
    /// Initial weights are uniform in wmean ± wlim/2 (Eventax's convention; for MNIST normal with mean wmean and standard deviation wlim); nil: the model's default.
    public var wmean: Double?
    /// Width of the initial weight range; nil: the model's default.
    public var wlim: Double?
    /// Initial bias currents `ic` of the Yin-Yang and MNIST-TTFS spiking layers are uniform in
    /// bmean ± blim/2; nil: the model's default (LIF, QIF, Izhikevich [−0.5, 0.5], EIF [0, 0.05]).
    public var bmean: Double?
    /// Width of the initial bias range; nil: the model's default.
    public var blim: Double?
    /// Scaling of the uniform initial weights of the Yin-Yang networks by fan-in (nil: the
    /// model's default: linear for EIF and Izhikevich, none otherwise).
    public var fanIn: FanInScaling?
    /// Restrict spiking neurons to at most one spike (nil: the paper's choice — on for LIF and Izhikevich with TTFS).
    public var amos: Bool?
    /// Train synaptic delays (one per synapse), initialized uniform in [0, delayLimit) ms as
    /// Eventax's `dlim`; nil: no synaptic delays. Delays are projected onto [0, ∞) after every step.
    public var delayLimit: Double?
    /// Train axonal delays (one per neuron), initialized uniform in [0, axonalDelayLimit) ms as
    /// Eventax's `axonal_dlim`; nil: no axonal delays. Projected onto [0, ∞) after every step.
    public var axonalDelayLimit: Double?

    /// Parameters of the hidden (and, for TTFS, output) neuron model set to other values than the
    /// task's defaults, by name (`--param c=-65`); the bias `ic` is trained and initialized
    /// separately, so it cannot be set here. nil: none.
    public var modelParameters: [String: Double]?

    /// State-based losses: the softmax sees this factor times each readout's max, integral or
    /// exp-integral (nil: 1). Adam moves every weight by about the learning rate per step whatever
    /// its scale, so the factor sets how far one step moves the logits through the readout
    /// weights. The readout's initial weights are divided by it, which keeps the initial logits
    /// the same.
    public var logitScale: Double?

    /// The paper's Yin-Yang defaults.
    public init() {}

    /// The paper's MNIST setup (§IV, Table III): LIF 784-200-10 with an integrating LI readout,
    /// exp-integral loss, batch 1024, AdamW lr 0.005, clip 1, 100 epochs; trial 40 ms (inputs
    /// span 0–30 ms under the latency encoding). The solver is the Yin-Yang default, adaptive
    /// Bosh3 at rtol 1e-3 (since 2026-12-06; the documented MNIST runs of seeds 0–2 used
    /// ``documentedRunsSolver``).
    public static func mnist(data: String?) -> TrainingConfig {
        var c = TrainingConfig()
        c.task = "mnist"; c.data = data
        c.neuron = "lif"; c.loss = .expIntegral; c.hidden = 200; c.batchSize = 1024; c.tmax = 40
        return c
    }

    /// The delayed-memory XOR setup (§IV-E): 32 fully recurrent EGRU units without self-connections,
    /// all nine inputs to every unit, two integrating LI readouts, softmax over the exp-integral logit
    /// from the first cue spike to the end of the 100 ms trial; batch 128, lr 0.01, 30 epochs (our choices).
    public static func xor() -> TrainingConfig {
        var c = TrainingConfig()
        c.task = "xor"
        c.neuron = "egru"; c.loss = .expIntegral; c.hidden = 32; c.batchSize = 128; c.lr = 0.01; c.epochs = 30
        c.tmax = DelayedXOR.trial
        // Eventax's EGRU defaults (tmem 20, tsyn 5) leave the units silent on three-spike volleys:
        // the gate pre-activations decay before c reaches the threshold. Slower pre-activations
        // (tsyn 20) and a faster cell (tmem 10) let a volley drive c across 0.5.
        c.tmem = 10; c.tsyn = 20
        c.useDocumentedRunsSolver()
        return c
    }

    /// Adaptive Tsit5 at rtol 1e-6 (absolute tolerance 1e-8) from a first step of 0.05 ms: the
    /// solver of every documented Table IV and XOR run and of the MNIST runs of seeds 0–2, and the
    /// default of all tasks until 2026-12-06 (now the default of XOR; `eventax table` trains with it).
    public static let documentedRunsSolver = (solver: "tsit5", dt: 0.05, rtol: 1e-6)

    /// Sets ``solver``, ``dt`` and ``rtol`` to ``documentedRunsSolver``.
    public mutating func useDocumentedRunsSolver() {
        solver = Self.documentedRunsSolver.solver; dt = Self.documentedRunsSolver.dt; rtol = Self.documentedRunsSolver.rtol
    }

    /// Input channels of the task.
    public var inputCount: Int { task == "mnist" ? MNISTDataset.pixelsPerImage : task == "xor" ? DelayedXOR.channels : 5 }
    /// Classes of the task.
    public var classes: Int { task == "mnist" ? 10 : task == "xor" ? 2 : 3 }
    /// Training samples available (before ``trainSubset``).
    public var trainAvailable: Int { task == "mnist" ? 60_000 - validationSize : 5000 }

    /// The neuron models of `--neuron` (the Yin-Yang and MNIST tasks): the paper's five, ALIF and
    /// the log-time-constant variants PLIF and PQIF.
    public static let neuronModels = ["lif", "qif", "eif", "izhikevich", "multicompartment", "alif", "plif", "pqif"]
    /// Models trained with LIF's defaults (initial weights, learning rate, AMOS for TTFS, and on
    /// MNIST its initialization): LIF and its adaptive and log-time-constant variants.
    public static let lifFamily: Set<String> = ["lif", "alif", "plif"]
    /// The learning rate in force.
    public var learningRate: Double { lr ?? ((loss == .ttfs || Self.lifFamily.contains(neuron)) ? 0.005 : 0.03) }
    /// Whether AMOS is in force.
    public var usesAMOS: Bool { amos ?? (loss == .ttfs && (Self.lifFamily.contains(neuron) || neuron == "izhikevich")) }

    /// Checks every field and names the offending one.
    public func validate() throws {
        guard ["yinyang", "mnist", "xor"].contains(task) else { throw EventaxError.invalid(field: "task", "unknown task \"\(task)\" (known: yinyang, mnist, xor)") }
        if task == "xor" {
            guard neuron == "egru" else { throw EventaxError.invalid(field: "--neuron", "the XOR task uses egru, got \"\(neuron)\"") }
            guard loss == .expIntegral || loss == .integral else { throw EventaxError.invalid(field: "--loss", "the XOR task uses a state-based integral loss (exp-integral or integral), got \(loss.rawValue)") }
        }
        if task == "mnist" {
            guard data != nil else { throw EventaxError.invalid(field: "--data", "MNIST needs the directory of its IDX files") }
            guard (1..<60_000).contains(validationSize) else { throw EventaxError.invalid(field: "--validation-size", "must be in 1...59999, got \(validationSize)") }
        }
        if let g = logitScale {
            guard loss != .ttfs else { throw EventaxError.invalid(field: "--logit-scale", "applies to the state-based losses only, got --loss ttfs") }
            guard g.isFinite, g > 0 else { throw EventaxError.invalid(field: "--logit-scale", "must be a finite number > 0, got \(g)") }
        }
        if let b = silentTargetPenalty {
            guard loss == .ttfs else { throw EventaxError.invalid(field: "--silent-target-penalty", "applies to the ttfs loss only, got --loss \(loss.rawValue)") }
            guard b.isFinite, b > 0 else { throw EventaxError.invalid(field: "--silent-target-penalty", "must be a finite number > 0, got \(b)") }
        }
        if ttfsRegularizer != nil && loss != .ttfs { throw EventaxError.invalid(field: "--ttfs-regularizer", "applies to the ttfs loss only, got --loss \(loss.rawValue)") }
        if let n = evalSubset, n < 1 { throw EventaxError.invalid(field: "--eval-subset", "must be ≥ 1, got \(n)") }
        guard tmax.isFinite, tmax > 0 else { throw EventaxError.invalid(field: "--tmax", "must be a finite number > 0, got \(tmax)") }
        guard Self.neuronModels.contains(neuron) || task == "xor" else { throw EventaxError.invalid(field: "--neuron", "unknown model \"\(neuron)\" (known: \(Self.neuronModels.joined(separator: ", ")))") }
        if let d = dendrites, d < 1 { throw EventaxError.invalid(field: "--dendrites", "must be ≥ 1, got \(d)") }
        guard epochs >= 1 else { throw EventaxError.invalid(field: "--epochs", "must be ≥ 1, got \(epochs)") }
        guard batchSize >= 1 else { throw EventaxError.invalid(field: "--batch-size", "must be ≥ 1, got \(batchSize)") }
        guard learningRate.isFinite, learningRate > 0 else { throw EventaxError.invalid(field: "--lr", "must be a finite number > 0, got \(learningRate)") }
        guard hidden >= 1 else { throw EventaxError.invalid(field: "--hidden", "must be ≥ 1, got \(hidden)") }
        _ = try SolverConfig.fromOptions(solver: solver, dt: dt, rtol: rtol)
        guard clip.isFinite, clip > 0 else { throw EventaxError.invalid(field: "--clip", "must be a finite number > 0, got \(clip)") }
        if let w = wlim, !(w.isFinite && w >= 0) { throw EventaxError.invalid(field: "--wlim", "must be a finite number ≥ 0, got \(w)") }
        if let w = wmean, !w.isFinite { throw EventaxError.invalid(field: "--wmean", "must be finite, got \(w)") }
        if let b = blim, !(b.isFinite && b >= 0) { throw EventaxError.invalid(field: "--blim", "must be a finite number ≥ 0, got \(b)") }
        if let b = bmean, !b.isFinite { throw EventaxError.invalid(field: "--bmean", "must be finite, got \(b)") }
        if bmean != nil || blim != nil {
            let field = bmean != nil ? "--bmean" : "--blim"
            if Classifier.builder(self) != .layered {
                throw EventaxError.invalid(field: field, "sets the initial bias currents of the Yin-Yang and MNIST-TTFS networks only, not of the \(task) \(task == "xor" ? "egru" : neuron) \(loss.rawValue) network (it has its own initialization)")
            }
        }
        if let d = delayLimit, !(d.isFinite && d >= 0) { throw EventaxError.invalid(field: "--delays", "must be a finite number ≥ 0, got \(d)") }
        if let d = axonalDelayLimit, !(d.isFinite && d >= 0) { throw EventaxError.invalid(field: "--axonal-delays", "must be a finite number ≥ 0, got \(d)") }
        if let n = trainSubset, !(1...trainAvailable).contains(n) { throw EventaxError.invalid(field: "--train-subset", "must be in 1...\(trainAvailable), got \(n)") }
        try validateModelParameters()
    }

    /// Checks ``modelParameters`` against the chosen model's parameters.
    func validateModelParameters() throws {
        guard let given = modelParameters, !given.isEmpty else { return }
        guard task != "xor", let model = BaseModel(name: neuron) else {
            let settable = Self.neuronModels.filter { BaseModel(name: $0) != nil }
            let list = settable.dropLast().joined(separator: ", ") + " and " + settable.last!
            throw EventaxError.invalid(field: "--param", "sets parameters of the \(list) layers only, not of \(task == "xor" ? "the xor task's EGRU" : neuron)")
        }
        let specs = model.parameters
        for (name, value) in given.sorted(by: { $0.key < $1.key }) {
            guard let spec = specs.first(where: { $0.name == name }), name != "ic" else {
                let settable = specs.map(\.name).filter { $0 != "ic" }
                throw EventaxError.invalid(field: "--param", "\(neuron) has no settable parameter \"\(name)\" (settable: \(settable.joined(separator: ", ")); the bias ic is trained)")
            }
            guard value.isFinite, spec.constraint != .positive || value > 0 else {
                throw EventaxError.invalid(field: "--param", "\(name) must be a finite number\(spec.constraint == .positive ? " > 0" : ""), got \(value)")
            }
        }
    }

    /// The fields in which `other` differs from this configuration, by coding key, with both
    /// values as JSON (`none` for an unset optional), in key order.
    public func differences(from other: TrainingConfig) -> [(field: String, this: String, other: String)] {
        func fields(_ c: TrainingConfig) -> [String: String] {
            guard let data = try? JSONEncoder().encode(c),
                  let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return [:] }
            return object.mapValues { value in
                (try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]))
                    .flatMap { String(data: $0, encoding: .utf8) } ?? "\(value)"
            }
        }
        let mine = fields(self), theirs = fields(other)
        return Set(mine.keys).union(theirs.keys).sorted().compactMap { key in
            let a = mine[key] ?? "none", b = theirs[key] ?? "none"
            return a == b ? nil : (key, a, b)
        }
    }

    /// The solver configuration.
    public var solverConfig: SolverConfig {
        (try? SolverConfig.fromOptions(solver: solver, dt: dt, rtol: rtol)) ?? SolverConfig(tableau: .euler, dt: 0.05)
    }
}
