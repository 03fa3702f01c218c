import Foundation

/// Everything that defines a spike-time regression run (Eventax's regression notebook, issue 4):
/// a spike at t = 0 and one at x ∈ [0, 30] ms go into 20 recurrent QIF neurons (all-to-all
/// without self-connections); one QIF output neuron reads from all of them and should fire its
/// first spike at y(x) = 5·sin(2πx/10) + x + 30 ms (see ``RegressionTask/target(_:)``).
///
/// Defaults follow the notebook where it says something (20 hidden QIF neurons, tmem 20, tsyn 5,
/// weights uniform in 20 ± 20, biases uniform in ±0.25, trial 80 ms, batch 64, Adam at lr 0.1,
/// test inputs on a grid over [0, 30]) and the classification trainer elsewhere (adaptive Tsit5,
/// AdamW with weight decay 1e-4, global-norm clipping at 1, a seeded validation set for keeping
/// the best model). Errors of ``validate()`` name the bad field by its `eventax train regression`
/// option (`--lr`, `--tmax`, …; `--tmem`, `--tsyn`, `--blim` and `--max-events` are library-only).
public struct RegressionConfig: Codable, Sendable, Equatable {
    /// Seed of the data, the initialization and the shuffling.
    public var seed: UInt64 = 0
    /// Epochs (passes over the training set). 60 epochs of 1000 samples in batches of 64 are 960
    /// AdamW steps; the notebook takes 1562 Adam steps, one pass over 100 000 fresh samples.
    public var epochs = 60
    /// Minibatch size (the notebook's 64).
    public var batchSize = 64
    /// Learning rate of AdamW (the notebook's Adam uses 0.1).
    public var lr = 0.1
    /// AdamW's decoupled weight decay (0 gives the notebook's plain Adam).
    public var weightDecay = 1e-4
    /// Global-norm gradient clipping (the notebook does not clip).
    public var clip = 1.0
    /// Recurrent hidden QIF neurons.
    public var hidden = 20
    /// Input channels: 2 puts the spike at 0 on channel 0 and the one at x on channel 1 (each with
    /// its own weights); 1 sends both spikes through one channel, as the notebook does (`in_size = 1`).
    public var inputChannels = 2
    /// Trial length (ms); a missing output spike counts as `tmax` (the notebook's 80 ms).
    public var tmax = 80.0
    /// Membrane time constant (ms) of every neuron.
    public var tmem = 20.0
    /// Synaptic time constant (ms) of every neuron.
    public var tsyn = 5.0
    /// Initial weights are uniform in `wmean ± wlim/2` (Eventax's convention; notebook 20 and 40).
    public var wmean = 20.0
    /// Width of the initial weight range.
    public var wlim = 40.0
    /// Initial bias currents are uniform in `±blim/2` (notebook: `blim` 0.5).
    public var blim = 0.5
    /// Solver method name (the notebook uses Eventax's default, Euler with constant steps of 0.1 ms).
    public var solver = "tsit5"
    /// Step (first step when adaptive).
    public var dt = 0.05
    /// Relative tolerance (nil: constant steps of `dt`); the absolute tolerance is rtol/100.
    public var rtol: Double? = 1e-6
    /// Training inputs x, drawn uniformly from [0, 30] (seeded).
    public var trainSize = 1000
    /// Validation inputs x, drawn uniformly from [0, 30] (another seeded stream); the model with the
    /// lowest validation MSE is kept.
    public var validationSize = 200
    /// Test inputs: an evenly spaced grid of this many x over [0, 30], ends included (the
    /// notebook's `linspace(0, 30, 100)` test grid, here 200 points by default).
    public var testSize = 200
    /// Upper bound on spikes plus deliveries per simulation (exceeding it is an error).
    public var maxEvents = 200_000

    /// The defaults described above.
    public init() {}

    /// The solver configuration.
    public var solverConfig: SolverConfig {
        (try? SolverConfig.fromOptions(solver: solver, dt: dt, rtol: rtol)) ?? SolverConfig(tableau: .euler, dt: 0.05)
    }

    /// Checks every field; the error names the command-line option of the offending one.
    public func validate() throws {
        func positive(_ v: Double, _ field: String) throws {
            guard v.isFinite, v > 0 else { throw EventaxError.invalid(field: field, "must be a finite number > 0, got \(v)") }
        }
        guard epochs >= 1 else { throw EventaxError.invalid(field: "--epochs", "must be ≥ 1, got \(epochs)") }
        guard batchSize >= 1 else { throw EventaxError.invalid(field: "--batch-size", "must be ≥ 1, got \(batchSize)") }
        try positive(lr, "--lr")
        guard weightDecay.isFinite, weightDecay >= 0 else { throw EventaxError.invalid(field: "--weight-decay", "must be a finite number ≥ 0, got \(weightDecay)") }
        try positive(clip, "--clip")
        guard hidden >= 1 else { throw EventaxError.invalid(field: "--hidden", "must be ≥ 1, got \(hidden)") }
        guard inputChannels == 1 || inputChannels == 2 else { throw EventaxError.invalid(field: "--input-channels", "must be 1 or 2, got \(inputChannels)") }
        try positive(tmax, "--tmax")
        let top = RegressionTask.largestTarget
        guard tmax > top else {
            throw EventaxError.invalid(field: "--tmax", "must exceed the largest target, \(String(format: "%.2f", top)) ms, got \(tmax)")
        }
        try positive(tmem, "--tmem")
        try positive(tsyn, "--tsyn")
        guard wmean.isFinite else { throw EventaxError.invalid(field: "--wmean", "must be finite, got \(wmean)") }
        guard wlim.isFinite, wlim >= 0 else { throw EventaxError.invalid(field: "--wlim", "must be a finite number ≥ 0, got \(wlim)") }
        guard blim.isFinite, blim >= 0 else { throw EventaxError.invalid(field: "--blim", "must be a finite number ≥ 0, got \(blim)") }
        _ = try SolverConfig.fromOptions(solver: solver, dt: dt, rtol: rtol)
        guard trainSize >= 1 else { throw EventaxError.invalid(field: "--train-size", "must be ≥ 1, got \(trainSize)") }
        guard validationSize >= 1 else { throw EventaxError.invalid(field: "--validation-size", "must be ≥ 1, got \(validationSize)") }
        guard testSize >= 2 else { throw EventaxError.invalid(field: "--test-size", "must be ≥ 2 (a grid with both ends), got \(testSize)") }
        guard maxEvents >= 1 else { throw EventaxError.invalid(field: "--max-events", "must be ≥ 1, got \(maxEvents)") }
    }
}

/// The regression task: the target function, the data sets and the initial network.
public enum RegressionTask {
    /// Inputs x lie in [0, `xMax`] ms.
    public static let xMax = 30.0

    /// The target first-spike time (ms) for an input spike at `x` (ms): 5·sin(2πx/10) + x + 30.
    /// The `x + 30` part keeps the output causal (it must follow the input) and leaves the network
    /// time to compute; the sine is what it has to learn.
    public static func target(_ x: Double) -> Double {
        5 * Foundation.sin(2 * Double.pi * x / 10) + x + 30
    }

    /// The largest target over [0, ``xMax``], from a fine grid: 60 ms, at x = 30 (y rises at both ends,
    /// dy/dx = π·cos(2πx/10) + 1 > 0 there; the smallest target is 30 ms, at x = 0).
    public static let largestTarget: Double = (0...30_000).map { target(Double($0) / 1000) }.max()!

    /// One input sample: with two channels `[[0], [x]]`, with one channel `[[0, x]]`.
    public static func encode(_ x: Double, channels: Int) -> [[Double]] {
        channels == 1 ? [[0, x]] : [[0], [x]]
    }

    /// `count` evenly spaced inputs over [0, ``xMax``], both ends included.
    public static func grid(_ count: Int) -> [Double] {
        guard count > 1 else { return [0] }
        return (0..<count).map { xMax * Double($0) / Double(count - 1) }
    }

    /// The training, validation and test inputs of a configuration: training and validation x are
    /// drawn uniformly from [0, ``xMax``] with two streams derived from the seed; the test inputs are
    /// ``grid(_:)`` of `testSize` points.
    public static func data(_ config: RegressionConfig) -> (train: [Double], validation: [Double], test: [Double]) {
        var trainRNG = SplitMix64(seed: config.seed &* 0x9E3779B97F4A7C15 &+ 0x7261696E)
        var valRNG = SplitMix64(seed: config.seed &* 0x9E3779B97F4A7C15 &+ 0x76616C69)
        let train = (0..<config.trainSize).map { _ in trainRNG.uniform(0...xMax) }
        let validation = (0..<config.validationSize).map { _ in valRNG.uniform(0...xMax) }
        return (train, validation, grid(config.testSize))
    }

    /// The initial network: neurons 0..<hidden are the recurrent QIF population, neuron `hidden` is
    /// the QIF output. Synapses in order: every input channel → every hidden neuron, every hidden
    /// neuron → every other hidden neuron (no self-connections), every hidden neuron → the output
    /// (the output projects nowhere; inputs do not reach it directly). Weights uniform in
    /// `wmean ± wlim/2`, then biases (`ic`, the learnable parameter) uniform in `±blim/2`, hidden
    /// first, all drawn from a ``SplitMix64`` seeded with the configuration's seed.
    public static func initialNetwork(_ config: RegressionConfig) throws -> Network {
        var rng = SplitMix64(seed: config.seed)
        let h = config.hidden
        let wRange = (config.wmean - config.wlim / 2)...(config.wmean + config.wlim / 2)
        var synapses: [Synapse] = []
        for c in 0..<config.inputChannels {
            for j in 0..<h { synapses.append(Synapse(from: .input(c), to: j, weight: [rng.uniform(wRange)])) }
        }
        for i in 0..<h {
            for j in 0..<h where j != i { synapses.append(Synapse(from: .neuron(i), to: j, weight: [rng.uniform(wRange)])) }
        }
        for i in 0..<h { synapses.append(Synapse(from: .neuron(i), to: h, weight: [rng.uniform(wRange)])) }
        let bRange = (-config.blim / 2)...(config.blim / 2)
        let bias = (0...h).map { _ in rng.uniform(bRange) }
        let pop = PopulationSpec(QIF(), count: h + 1, parameters: ["tmem": [config.tmem], "tsyn": [config.tsyn], "ic": bias])
        return try Network(inputCount: config.inputChannels, populations: [pop], synapses: synapses, outputs: [h],
                           tmax: config.tmax, solver: config.solverConfig, maxEvents: config.maxEvents)
    }

    /// Loss and cotangent of one simulated sample: ``spikeTimeMSE(_:target:tmax:)`` on the output's
    /// first spike. A missing spike counts as `tmax` and gets no gradient, which is also what the
    /// notebook's `min(ttfs, 80)` does to Eventax's `inf` for a missing spike.
    public static func loss(_ r: SimulationResult, x: Double, tmax: Double) -> (loss: Double, cotangent: Cotangent) {
        let (l, ct) = spikeTimeMSE(r.ttfs, target: [target(x)], tmax: tmax)
        return (l, Cotangent(ttfs: ct))
    }
}

/// Quality of a regression network on a set of inputs.
public struct RegressionMetrics: Codable, Sendable, Equatable {
    /// Mean squared error (ms²) of the first output spike time; a missing spike counts as tmax.
    public var mse: Double
    /// Mean absolute error (ms), a missing spike counting as tmax.
    public var mae: Double
    /// Fraction of samples on which the output neuron spiked.
    public var spikeFraction: Double
}

/// One epoch of regression training.
public struct RegressionEpochRecord: Codable, Sendable, Equatable {
    /// Epoch number, from 1.
    public var epoch: Int
    /// Mean training MSE over the epoch's minibatches (each measured before its update).
    public var trainMSE: Double
    /// Validation MSE after the epoch.
    public var validationMSE: Double
    /// Validation mean absolute error after the epoch.
    public var validationMAE: Double
    /// Fraction of validation samples with an output spike.
    public var validationSpikeFraction: Double
    /// Mean global gradient norm (before clipping) over the epoch's minibatches.
    public var gradientNorm: Double
    /// Wall time of the epoch (training and validation), seconds.
    public var seconds: Double
}

/// The state of a regression run after some epochs.
public struct RegressionState: Codable, Sendable {
    /// The run's configuration.
    public var config: RegressionConfig
    /// Epochs completed.
    public var epochsDone: Int
    /// Current trainable values: the network's weights, then the biases (`ic`).
    public var trainables: [Double]
    /// Optimizer state.
    public var optimizer: AdamW
    /// Epoch with the lowest validation MSE so far (0: the initial network).
    public var bestEpoch: Int
    /// That validation MSE.
    public var bestValidationMSE: Double
    /// Trainable values of the best epoch.
    public var bestTrainables: [Double]
    /// Per-epoch records.
    public var history: [RegressionEpochRecord]
    /// Wall seconds spent in epochs so far.
    public var wallSeconds: Double
}

/// The result of a regression run (written as `summary.json`).
public struct RegressionSummary: Codable, Sendable {
    /// Test MSE (ms²) of the best-validation model on the test grid.
    public var test_mse: Double
    /// Test mean absolute error (ms).
    public var test_mae: Double
    /// Fraction of test inputs with an output spike.
    public var test_spike_fraction: Double
    /// Validation MSE of the best model.
    public var validation_mse: Double
    /// The best-validation epoch (0: the initial network).
    public var best_epoch: Int
    /// Epochs trained.
    public var epochs: Int
    /// Wall time of the epochs, seconds.
    public var wall_seconds: Double
    /// Test MSE of the initial network, for comparison.
    public var initial_test_mse: Double
    /// The configuration.
    public var config: RegressionConfig
    /// Threads used.
    public var threads: Int
}

/// Trains the regression network: seeded shuffling, minibatches on all cores through
/// ``BatchEvaluator`` (bitwise independent of the thread count), global-norm clipping, AdamW,
/// validation after every epoch, the best-validation model kept.
public final class RegressionTrainer {
    /// The run's configuration.
    public let config: RegressionConfig
    /// Worker threads.
    public let threads: Int
    /// The initial network (its structure is reused; trainables change).
    public let template: Network
    /// Training inputs x.
    public let train: [Double]
    /// Validation inputs x.
    public let validation: [Double]
    /// Test inputs x (a grid).
    public let test: [Double]
    /// The most solver steps one simulation of this run may take: 1000 times the most that any
    /// of the first 16 training inputs takes with the initial network, at least 1,000,000 and at
    /// most ``Simulator/defaultMaxSteps``, so that diverged parameters stop the run at once.
    public let stepLimit: Int

    /// A trainer; validates the configuration, draws the data and builds the initial network.
    public init(config: RegressionConfig, threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        try config.validate()
        self.config = config
        self.threads = max(1, threads)
        template = try RegressionTask.initialNetwork(config)
        (train, validation, test) = RegressionTask.data(config)
        let probe = train.prefix(EpochSteps.stepProbeSamples).map { RegressionTask.encode($0, channels: config.inputChannels) }
        stepLimit = try EpochSteps.stepLimit(template, threads: self.threads, inputs: probe,
                                             readouts: [ReadoutRequest](repeating: .ttfs, count: probe.count))
    }

    /// The trainable vector of a network: weights, then learnable parameters.
    public func trainables(of net: Network) -> [Double] { net.trainables }

    /// The network with the given trainable vector.
    public func network(with trainables: [Double]) throws -> Network { try template.withTrainables(trainables) }

    /// A fresh state at epoch 0. The initial network is the best model so far (epoch 0, with its
    /// validation MSE), so a run that never improves on it keeps it.
    public func initialState() throws -> RegressionState {
        let t = trainables(of: template)
        let v = try evaluate(template, on: validation)
        return RegressionState(config: config, epochsDone: 0, trainables: t,
                               optimizer: AdamW(lr: config.lr, weightDecay: config.weightDecay),
                               bestEpoch: 0, bestValidationMSE: v.mse, bestTrainables: t, history: [], wallSeconds: 0)
    }

    /// First output spike time of `net` for every input x (`nil`: no output spike before tmax),
    /// simulated in blocks of 1024.
    public func predict(_ net: Network, on xs: [Double]) throws -> [Double?] {
        let evaluator = BatchEvaluator(network: net, threads: threads, maxSteps: stepLimit)
        var out: [Double?] = []
        out.reserveCapacity(xs.count)
        for start in stride(from: 0, to: xs.count, by: 1024) {
            let block = xs[start..<min(xs.count, start + 1024)]
            let results = try evaluator.forward(block.map { RegressionTask.encode($0, channels: config.inputChannels) }, readout: .ttfs)
            out += results.map { $0.ttfs[0] }
        }
        return out
    }

    /// Mean squared error, mean absolute error and spike fraction of `net` on the inputs `xs`.
    public func evaluate(_ net: Network, on xs: [Double]) throws -> RegressionMetrics {
        RegressionTrainer.metrics(predictions: try predict(net, on: xs), xs: xs, tmax: config.tmax)
    }

    /// Metrics of given predictions (a missing spike counts as `tmax`).
    public static func metrics(predictions: [Double?], xs: [Double], tmax: Double) -> RegressionMetrics {
        var se = 0.0, ae = 0.0, spiked = 0
        for (p, x) in zip(predictions, xs) {
            if p != nil { spiked += 1 }
            let d = (p ?? tmax) - RegressionTask.target(x)
            se += d * d; ae += abs(d)
        }
        let n = Double(max(xs.count, 1))
        return RegressionMetrics(mse: se / n, mae: ae / n, spikeFraction: Double(spiked) / n)
    }

    /// Runs one epoch from `state` and returns the next state. `progress(batch, batches)` is called
    /// after each minibatch.
    public func epoch(_ state: RegressionState, progress: (Int, Int) -> Void = { _, _ in }) throws -> RegressionState {
        let start = Date()
        var s = state
        let e = s.epochsDone + 1
        let batches = EpochSteps.batches(seed: config.seed, epoch: e, count: train.count, batchSize: config.batchSize)
        let tmax = config.tmax, channels = config.inputChannels
        var lossSum = 0.0, normSum = 0.0
        for (b, batch) in batches.enumerated() {
            let xs = batch.map { train[$0] }
            let net = try network(with: s.trainables)
            try EpochSteps.namingBatch(epoch: e, batch: b, of: batches.count, learningRate: config.lr) {
                let (loss, grads, _) = try BatchEvaluator(network: net, threads: threads, maxSteps: stepLimit).lossAndGradient(
                    xs.map { RegressionTask.encode($0, channels: channels) }, readout: .ttfs, delayGradients: false) { i, r in
                    RegressionTask.loss(r, x: xs[i], tmax: tmax)
                }
                lossSum += loss
                normSum += try EpochSteps.apply(grads.weights + grads.parameters, samples: xs.count, clip: config.clip,
                                                optimizer: &s.optimizer, trainables: &s.trainables, template: template)
            }
            progress(b + 1, batches.count)
        }
        let val = try EpochSteps.naming("epoch \(e), validation", trained: true, learningRate: config.lr) {
            try evaluate(network(with: s.trainables), on: validation)
        }
        if val.mse < s.bestValidationMSE {
            s.bestValidationMSE = val.mse
            s.bestEpoch = e
            s.bestTrainables = s.trainables
        }
        let seconds = Date().timeIntervalSince(start)
        s.history.append(RegressionEpochRecord(epoch: e, trainMSE: lossSum / Double(train.count), validationMSE: val.mse,
                                               validationMAE: val.mae, validationSpikeFraction: val.spikeFraction,
                                               gradientNorm: normSum / Double(batches.count), seconds: seconds))
        s.epochsDone = e
        s.wallSeconds += seconds
        return s
    }

    /// Test metrics of the best-validation model and the run summary.
    public func summary(_ s: RegressionState) throws -> RegressionSummary {
        let t = try namingErrors("test evaluation of epoch \(s.bestEpoch)'s network") { try evaluate(network(with: s.bestTrainables), on: test) }
        let t0 = try namingErrors("test evaluation of the initial network") { try evaluate(template, on: test) }
        return RegressionSummary(test_mse: t.mse, test_mae: t.mae, test_spike_fraction: t.spikeFraction,
                                 validation_mse: s.bestValidationMSE, best_epoch: s.bestEpoch, epochs: s.epochsDone,
                                 wall_seconds: s.wallSeconds, initial_test_mse: t0.mse, config: config, threads: threads)
    }
}
