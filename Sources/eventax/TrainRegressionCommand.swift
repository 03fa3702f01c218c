import ArgumentParser
import Eventax
import Foundation

/// `eventax train regression`: Eventax's spike-time regression example.
struct TrainRegression: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regression",
        abstract: "Train recurrent QIF neurons (20 by default) and a QIF output to fire at y = 5·sin(2πx/10) + x + 30 ms for an input spike at x ∈ [0, 30] ms.",
        discussion: """
        Every sample has an input spike at t = 0 and one at x; the loss is the squared error of the \
        output's first spike time (a missing spike counts as tmax and gets no gradient). Training and \
        validation x are seeded uniform draws, the test set is an evenly spaced grid over [0, 30]. \
        Writes DIR/metrics.jsonl (one line per epoch), DIR/summary.json (test MSE and MAE of the \
        best-validation model) and DIR/regression.svg (target and predicted first-spike time over a \
        grid of 200 inputs), each atomically.
        """)

    @Option(parsing: .unconditional, help: "Epochs (default 60).") var epochs: Int?
    @Option(parsing: .unconditional, help: "Seed of the data, initialization and shuffling.") var seed: UInt64 = 0
    @Option(parsing: .unconditional, help: "Learning rate of AdamW (default 0.1, the notebook's).") var lr: Double?
    @Option(name: .long, parsing: .unconditional, help: "Minibatch size (default 64).") var batchSize: Int?
    @Option(name: .long, parsing: .unconditional, help: "Training samples (default 1000).") var trainSize: Int?
    @Option(name: .long, parsing: .unconditional, help: "Validation samples (default 200).") var validationSize: Int?
    @Option(name: .long, parsing: .unconditional, help: "Test grid points over [0, 30] (default 200).") var testSize: Int?
    @Option(parsing: .unconditional, help: "Recurrent hidden QIF neurons (default 20).") var hidden: Int?
    @Option(parsing: .unconditional, help: "Trial length in ms (default 80); a missing output spike counts as tmax.") var tmax: Double?
    @Option(parsing: .unconditional, help: "Global-norm gradient clipping (default 1).") var clip: Double?
    @Option(name: .long, parsing: .unconditional, help: "AdamW's decoupled weight decay (default 1e-4; 0 gives Adam, as the notebook).") var weightDecay: Double?
    @Option(parsing: .unconditional, help: "Initial weights: mean of the uniform range (default 20).") var wmean: Double?
    @Option(parsing: .unconditional, help: "Initial weights: width of the uniform range (default 40).") var wlim: Double?
    @Option(name: .long, parsing: .unconditional, help: "Input channels: 2 (spike at 0 and spike at x on separate channels) or 1 (both on one channel, as the notebook).") var inputChannels: Int?
    @Option(help: "Solver: euler, heun, midpoint, rk4, bosh3, tsit5, dopri5.") var solver = "tsit5"
    @Option(parsing: .unconditional, help: "Step size (first step when adaptive).") var dt = 0.05
    @Option(parsing: .unconditional, help: "Relative tolerance of adaptive steps; 0 means constant steps of --dt.") var rtol = 1e-6
    @Option(parsing: .unconditional, help: "Worker threads (default: all cores).") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Output folder (default: runs/regression-seedSEED).") var out: String?

    /// The configuration these options describe.
    func config() throws -> RegressionConfig {
        var c = RegressionConfig()
        c.seed = seed
        if let epochs { c.epochs = epochs }
        if let lr { c.lr = lr }
        if let batchSize { c.batchSize = batchSize }
        if let trainSize { c.trainSize = trainSize }
        if let validationSize { c.validationSize = validationSize }
        if let testSize { c.testSize = testSize }
        if let hidden { c.hidden = hidden }
        if let tmax { c.tmax = tmax }
        if let clip { c.clip = clip }
        if let weightDecay { c.weightDecay = weightDecay }
        if let wmean { c.wmean = wmean }
        if let wlim { c.wlim = wlim }
        if let inputChannels { c.inputChannels = inputChannels }
        c.solver = solver.lowercased(); c.dt = dt; c.rtol = rtol == 0 ? nil : rtol
        guard threads >= 1 else { throw CLIError(description: "--threads: must be ≥ 1, got \(threads)") }
        try c.validate()
        return c
    }

    func run() throws {
        try reportingErrors { try runRegression(config(), threads: threads, out: out ?? "runs/regression-seed\(seed)") }
    }
}

/// Trains the regression network with a progress line per epoch, then writes the summary and the plot.
func runRegression(_ c: RegressionConfig, threads: Int, out dir: String) throws {
    setvbuf(stdout, nil, _IOLBF, 0)  // one line per epoch, also when redirected
    let trainer = try RegressionTrainer(config: c, threads: threads)  // validates the options
    try createOutputFolder(dir, option: "--out")
    let lock = try lockOutputFolder(dir)
    defer { close(lock) }
    var state = try trainer.initialState()
    print(String(format: "initial  val mse %.4f  (%d train, %d validation, %d test samples; %d threads)",
                 state.bestValidationMSE, trainer.train.count, trainer.validation.count, trainer.test.count, trainer.threads))
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    while state.epochsDone < c.epochs {
        state = try trainer.epoch(state, progress: epochProgress(epoch: state.epochsDone + 1, of: c.epochs))
        clearEpochProgress()
        let r = state.history.last!
        print(String(format: "epoch %3d  train mse %.4f  val mse %.4f  val mae %.3f  spikes %.1f%%  best %.4f (epoch %d)  %.1fs",
                     r.epoch, r.trainMSE, r.validationMSE, r.validationMAE, 100 * r.validationSpikeFraction,
                     state.bestValidationMSE, state.bestEpoch, r.seconds))
        try writeJSONLines(state.history, to: dir + "/metrics.jsonl", encoder: encoder)
    }
    let summary = try trainer.summary(state)
    let pretty = JSONEncoder()
    pretty.outputFormatting = [.prettyPrinted, .sortedKeys]
    try writeAtomically(pretty.encode(summary), to: dir + "/summary.json")
    let best = try trainer.network(with: state.bestTrainables)
    try writeAtomically(Data(try regressionPlot(trainer, network: best, epoch: state.bestEpoch).utf8), to: dir + "/regression.svg")
    print(String(format: "test mse %.4f ms², mae %.4f ms, spikes %.1f%% at best-validation epoch %d (initial test mse %.2f); %.1f s; wrote %@/summary.json and %@/regression.svg",
                 summary.test_mse, summary.test_mae, 100 * summary.test_spike_fraction, summary.best_epoch,
                 summary.initial_test_mse, summary.wall_seconds, dir, dir))
}

/// The target curve y(x) and the network's first output spike time over 200 evenly spaced x in [0, 30]
/// (a line and dots; inputs without an output spike are drawn as crosses at tmax).
func regressionPlot(_ trainer: RegressionTrainer, network: Network, epoch: Int) throws -> String {
    let xs = RegressionTask.grid(200)
    let predicted = try trainer.predict(network, on: xs)
    let tmax = trainer.config.tmax
    let targets = xs.map(RegressionTask.target)
    let values = targets + predicted.map { $0 ?? tmax }
    // The y range in whole multiples of 5 ms around all values, so that the axis ticks are round.
    let lo = max(0, 5 * ((values.min() ?? 0) / 5 - 0.2).rounded(.down)), hi = 5 * ((values.max() ?? tmax) / 5 + 0.2).rounded(.up)
    var chart = SVGChart(title: "Spike-time regression (best-validation epoch \(epoch))", xLabel: "input spike time x (ms)",
                         yLabel: "first output spike time (ms)", x: 0...RegressionTask.xMax, y: lo...hi)
    chart.line(zip(xs, targets).map { ($0, $1) }, color: "#1f77b4", label: "target y(x)", width: 2)
    chart.points(zip(xs, predicted).compactMap { x, t in t.map { (x, $0) } }, color: "#d62728", radius: 2)
    let missing = zip(xs, predicted).filter { $0.1 == nil }.map { ($0.0, tmax) }
    chart.points(missing, color: "#7f7f7f", radius: 2, cross: true)
    chart.legendEntry("network first spike", color: "#d62728")
    if !missing.isEmpty { chart.legendEntry("no spike (at tmax)", color: "#7f7f7f") }
    return chart.render()
}
