import ArgumentParser
import Eventax
import Foundation

/// `eventax train`: training tasks.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Train a network on a task.", subcommands: [TrainYinYang.self, TrainMNIST.self, TrainXOR.self, TrainRegression.self])
}

/// Options shared by the classification tasks; unset options keep the task's defaults.
struct CommonTrainOptions: ParsableArguments {
    @Option(help: "Neuron model: lif, qif, eif, izhikevich, multicompartment, alif, plif, pqif (plif and pqif learn log time constants).") var neuron: String?
    @Option(parsing: .unconditional, help: "Dendrites per multi-compartment neuron (default 7).") var dendrites: Int?
    @Option(help: "Loss: ttfs, max, integral, exp-integral.") var loss: String?
    @Option(name: .customLong("ttfs-regularizer"), help: "TTFS loss: separate (−log p + α(e^{t/τ1} − 1), Wunderlich & Pehle; default) or in-log (−log(p + α(e^{t/τ1} − 1)), Eventax's classification notebook).") var ttfsRegularizer: String?
    @Option(name: .customLong("silent-target-penalty"), parsing: .unconditional, help: "TTFS loss: on a sample whose target output neuron does not spike, add β·(1 − max v) of its potential on a 0.5 ms grid, so the exact gradient pulls it back to threshold (default: none, the paper's loss).") var silentTargetPenalty: Double?
    @Option(parsing: .unconditional, help: "Epochs (default 100).") var epochs: Int?
    @Option(parsing: .unconditional, help: "Seed of initialization, shuffling (and the MNIST validation split; default 0).") var seed: UInt64?
    @Option(name: .long, parsing: .unconditional, help: "Minibatch size.") var batchSize: Int?
    @Option(parsing: .unconditional, help: "Learning rate (default: 0.005 for TTFS and state-based LIF, 0.03 otherwise).") var lr: Double?
    @Option(parsing: .unconditional, help: "Hidden neurons.") var hidden: Int?
    @Option(parsing: .unconditional, help: "Global-norm gradient clipping: the largest norm of a minibatch's mean gradient (default 1).") var clip: Double?
    @Option(help: "Solver: euler, heun, midpoint, rk4, bosh3, tsit5, dopri5 (default: bosh3 for yinyang and mnist, tsit5 for xor).") var solver: String?
    @Option(parsing: .unconditional, help: "Step size (first step when adaptive; default 0.05).") var dt: Double?
    @Option(parsing: .unconditional, help: "Relative tolerance of adaptive steps, absolute tolerance rtol/100; 0 means constant steps of --dt (default: 1e-3 for yinyang and mnist, 1e-6 for xor).") var rtol: Double?
    @Option(parsing: .unconditional, help: "Worker threads (default: all cores).") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(name: .long, parsing: .unconditional, help: "Train on the first N training samples only.") var trainSubset: Int?
    @Option(name: .long, parsing: .unconditional, help: "Validate and test on the first N samples of those sets only.") var evalSubset: Int?
    @Option(help: "At most one spike per neuron: on or off (default: on for LIF and Izhikevich with TTFS).") var amos: String?
    @Option(parsing: .unconditional, help: "Initial weights: mean of the uniform range (MNIST: of the normal distribution; default per model).") var wmean: Double?
    @Option(parsing: .unconditional, help: "Initial weights: width of the uniform range (MNIST: standard deviation; default per model).") var wlim: Double?
    @Option(parsing: .unconditional, help: "Initial bias currents of the spiking layers: mean of the uniform range (default per model; not for MNIST's state-based LIF, EGRU or multi-compartment networks).") var bmean: Double?
    @Option(parsing: .unconditional, help: "Initial bias currents: width of the uniform range (default per model).") var blim: Double?
    @Option(name: .customLong("logit-scale"), parsing: .unconditional, help: "State-based losses: multiply the logits by this factor and divide the readout's initial weights by it (default 1).") var logitScale: Double?
    @Option(name: .customLong("fan-in"), help: "Scale initial weights by fan-in n: none, sqrt (1/√n) or linear (1/n) (default per model).") var fanIn: String?
    @Option(name: .customLong("delays"), parsing: .unconditional, help: "Train synaptic delays, initialized uniform in [0, LIMIT) ms (default: no delays).") var delayLimit: Double?
    @Option(name: .customLong("axonal-delays"), parsing: .unconditional, help: "Train axonal delays (one per neuron), initialized uniform in [0, LIMIT) ms.") var axonalDelayLimit: Double?
    @Option(name: .customLong("param"), help: "Set a parameter of the neuron model, NAME=VALUE (repeatable; e.g. --param c=-65 for Izhikevich).") var params: [String] = []
    @Option(help: "Output folder (default: runs/TASK-NEURON-LOSS-seedSEED).") var out: String?
    @Flag(help: "Continue the run in the output folder from its checkpoint.") var resume = false

    /// `base` with every option that was given applied; the others keep `base`'s values (the
    /// task's defaults, or a resumed checkpoint's configuration).
    func apply(to base: TrainingConfig) throws -> TrainingConfig {
        var c = base
        if let neuron { c.neuron = neuron.lowercased() }
        if let dendrites { c.dendrites = dendrites }
        if let loss { c.loss = try parseChoice(loss, option: "--loss", noun: "loss") }
        if let ttfsRegularizer { c.ttfsRegularizer = try parseChoice(ttfsRegularizer, option: "--ttfs-regularizer", noun: "form") }
        if let silentTargetPenalty { c.silentTargetPenalty = silentTargetPenalty }
        if let epochs { c.epochs = epochs }
        if let batchSize { c.batchSize = batchSize }
        if let hidden { c.hidden = hidden }
        if let seed { c.seed = seed }
        if let lr { c.lr = lr }
        if let clip { c.clip = clip }
        if let solver { c.solver = solver.lowercased() }
        if let dt { c.dt = dt }
        if let rtol { c.rtol = rtol == 0 ? nil : rtol }
        if let trainSubset { c.trainSubset = trainSubset }
        if let evalSubset { c.evalSubset = evalSubset }
        if let wmean { c.wmean = wmean }
        if let wlim { c.wlim = wlim }
        if let bmean { c.bmean = bmean }
        if let blim { c.blim = blim }
        if let logitScale { c.logitScale = logitScale }
        if let delayLimit { c.delayLimit = delayLimit }
        if let axonalDelayLimit { c.axonalDelayLimit = axonalDelayLimit }
        if let fanIn { c.fanIn = try parseChoice(fanIn, option: "--fan-in", noun: "scaling") }
        if !params.isEmpty {
            var set: [String: Double] = [:]
            for p in params {
                let parts = p.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty, let v = Double(parts[1]) else {
                    throw CLIError(description: "--param: expected NAME=VALUE with a number, got \"\(p)\"")
                }
                guard set[parts[0]] == nil else { throw CLIError(description: "--param: \(parts[0]) is given twice") }
                set[parts[0]] = v
            }
            c.modelParameters = set
        }
        if let amos {
            switch amos.lowercased() {
            case "on", "true", "yes": c.amos = true
            case "off", "false", "no": c.amos = false
            default: throw CLIError(description: "--amos: expected on or off, got \"\(amos)\"")
            }
        }
        guard threads >= 1 else { throw CLIError(description: "--threads: must be ≥ 1, got \(threads)") }
        return c
    }
}

/// `eventax train yinyang`: the paper's Yin-Yang experiments.
struct TrainYinYang: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "yinyang",
        abstract: "Train a 5-H-3 network on Yin-Yang (defaults: the paper's Tables II/III).",
        discussion: """
        Writes DIR/metrics.jsonl and DIR/metrics.csv (one row per epoch), DIR/checkpoint.json (the \
        full state after the last epoch; --resume continues from it) and DIR/summary.json (test \
        metrics at the best-validation epoch). Files are written atomically.
        """)

    @OptionGroup var options: CommonTrainOptions

    func run() throws {
        try reportingErrors { try runTraining(options: options) { $0 ?? TrainingConfig() } }
    }
}

/// `eventax train mnist --data DIR`: the paper's latency-encoded MNIST experiment.
struct TrainMNIST: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mnist",
        abstract: "Train a 784-H-10 network on latency-encoded MNIST (defaults: LIF, 200 hidden, LI readout, exp-integral loss, batch 1024).",
        discussion: """
        DIR holds train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and \
        t10k-labels-idx1-ubyte, each raw or .gz. 5000 training images (seeded) are held out for \
        validation. Outputs as for `train yinyang`.
        """)

    @Option(help: "Directory with the four MNIST IDX files.") var data: String
    @Option(name: .long, parsing: .unconditional, help: "Training images held out for validation (default 5000).") var validationSize: Int?
    @OptionGroup var options: CommonTrainOptions

    func run() throws {
        try reportingErrors {
            try runTraining(options: options) { saved in
                var base = saved ?? TrainingConfig.mnist(data: data)
                base.data = data  // the data directory may have moved
                if let validationSize { base.validationSize = validationSize }
                return base
            }
        }
    }
}

/// `eventax train xor`: the delayed-memory XOR task with a recurrent EGRU layer.
struct TrainXOR: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xor",
        abstract: "Train 32 recurrent EGRU units (no self-connections) with two LI readouts on delayed-memory XOR.",
        discussion: """
        9 input channels (value 0, value 1, cue); 5000/1000/1000 seeded trials of 100 ms; softmax over \
        the exp-integral logit from the first cue spike to the end. Outputs as for `train yinyang`.
        """)

    @OptionGroup var options: CommonTrainOptions

    func run() throws {
        try reportingErrors { try runTraining(options: options) { $0 ?? TrainingConfig.xor() } }
    }
}

/// Runs (or resumes) training with progress output, per-epoch files and the final summary.
/// `task` gives the task's configuration: its defaults (from nil) or, on `--resume`, the
/// checkpoint's configuration, each with the task's own options applied; the common options are
/// applied on top. So a resumed run keeps every option it is not given, and one given with
/// another value than the checkpoint's is refused (only the epochs and the data directory may
/// change).
func runTraining(options: CommonTrainOptions, task: (TrainingConfig?) -> TrainingConfig) throws {
    setvbuf(stdout, nil, _IOLBF, 0)  // one line per epoch, also when redirected
    var c = try options.apply(to: task(nil))
    let dir = options.out ?? "runs/\(c.task)-\(c.neuron)-\(c.loss.rawValue)-seed\(c.seed)"
    try c.validate()  // a bad option is named before anything is read or written
    let ckptPath = dir + "/checkpoint.json"
    var saved: TrainingCheckpoint?
    if options.resume {
        let checkpoint = try TrainingCheckpoint.load(ckptPath)
        guard checkpoint.config.task == c.task else {
            throw CLIError(description: "\(ckptPath): the checkpoint is a \(checkpoint.config.task) run; resume it with eventax train \(checkpoint.config.task)")
        }
        c = try options.apply(to: task(checkpoint.config))
        var unchanged = checkpoint.config
        unchanged.epochs = c.epochs
        unchanged.data = c.data  // the data directory may have moved
        guard unchanged == c else {
            let fields = unchanged.differences(from: c).map { "\($0.field) \($0.this) (this run: \($0.other))" }
            throw CLIError(description: "\(ckptPath): the checkpoint was made with other options: \(fields.joined(separator: ", ")); resume with the same options, or leave them out (epochs and the data directory may differ)")
        }
        guard checkpoint.epochsDone <= c.epochs else {
            throw CLIError(description: "--epochs: \(c.epochs) is fewer than the \(checkpoint.epochsDone) epochs the checkpoint has done; resume with --epochs ≥ \(checkpoint.epochsDone) (eventax evaluate reports the run as it is)")
        }
        saved = checkpoint
    }
    let trainer = try Trainer(config: c, threads: options.threads)  // loads the data before the folder is made
    try createOutputFolder(dir, option: "--out")
    let lock = try lockOutputFolder(dir)
    defer { close(lock) }
    var state = trainer.initialCheckpoint()
    if var saved {
        saved.config = c  // the epochs and the data directory this run continues with
        state = saved
        print("resuming after epoch \(state.epochsDone)")
    } else if FileManager.default.fileExists(atPath: ckptPath) {
        let earlier = (try? TrainingCheckpoint.load(ckptPath)).map { "\($0.epochsDone) of \($0.config.epochs) epochs done" } ?? "not readable"
        writeStandardError("note: \(dir) holds an earlier run (checkpoint: \(earlier)); this run starts afresh: the earlier summary.json is removed now, the checkpoint and metrics are replaced at the end of the first epoch (--resume continues the earlier run instead)\n")
        try removeIfPresent(dir + "/summary.json")  // it would no longer match the checkpoint
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    while state.epochsDone < c.epochs {
        state = try trainer.epoch(state, progress: epochProgress(epoch: state.epochsDone + 1, of: c.epochs))
        clearEpochProgress()
        let r = state.history.last!
        print(String(format: "epoch %3d  loss %.4f  train %.2f%%  val loss %.4f  val %.2f%%  best %.2f%% (epoch %d)  %.1fs%@",
                     r.epoch, r.trainLoss, 100 * r.trainAccuracy, r.validationLoss, 100 * r.validationAccuracy,
                     100 * state.bestValidationAccuracy, state.bestEpoch, r.seconds,
                     r.trainSeconds.map { String(format: " (training %.0f samples/s)", Double(trainer.data.train.count) / max($0, 1e-9)) } ?? ""))
        try writeAtomically(encoder.encode(state), to: ckptPath)
        try writeJSONLines(state.history, to: dir + "/metrics.jsonl", encoder: encoder)
        let csv = "epoch,train_loss,train_accuracy,validation_loss,validation_accuracy,seconds,train_seconds\n" + state.history.map {
            "\($0.epoch),\($0.trainLoss),\($0.trainAccuracy),\($0.validationLoss),\($0.validationAccuracy),\($0.seconds),\($0.trainSeconds.map { "\($0)" } ?? "")"
        }.joined(separator: "\n") + "\n"
        try writeAtomically(Data(csv.utf8), to: dir + "/metrics.csv")
    }
    var summary = try trainer.summary(state)
    summary.peak_rss_mib = peakResidentMebibytes()
    let pretty = JSONEncoder()
    pretty.outputFormatting = [.prettyPrinted, .sortedKeys]
    try writeAtomically(pretty.encode(summary), to: dir + "/summary.json")
    let t = summary.test
    print(String(format: "test accuracy %.2f%% at best-validation epoch %d; max firing %.2f, dead neurons %d, fire count %.2f%@; %.1f s; peak memory %.0f MiB; wrote %@/summary.json",
                 100 * summary.test_accuracy, summary.best_epoch, t.maxFiring, t.deadNeurons, t.fireCount,
                 t.meanTTFS.map { String(format: ", mean TTFS %.2f ms", $0) } ?? "", summary.wall_seconds, summary.peak_rss_mib ?? 0, dir))
}
