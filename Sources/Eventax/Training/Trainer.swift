import Foundation

/// Test-set quality and spike statistics (the columns of the paper's Table IV).
public struct EvaluationMetrics: Codable, Sendable, Equatable {
    /// Fraction of correctly classified samples.
    public var accuracy: Double
    /// Mean loss.
    public var loss: Double
    /// Average over samples of the largest spike count of any single neuron.
    public var maxFiring: Double
    /// Spiking-capable neurons that never spiked on any sample.
    public var deadNeurons: Int
    /// Average total number of spikes per sample.
    public var fireCount: Double
    /// Average time of the first output spike (TTFS loss only; samples without an output spike are left out).
    public var meanTTFS: Double?
}

/// One epoch of training.
public struct EpochRecord: Codable, Sendable, Equatable {
    /// Epoch number, from 1.
    public var epoch: Int
    /// Mean training loss over the epoch's minibatches.
    public var trainLoss: Double
    /// Training accuracy during the epoch.
    public var trainAccuracy: Double
    /// Validation loss and accuracy after the epoch.
    public var validationLoss: Double
    /// Validation accuracy after the epoch.
    public var validationAccuracy: Double
    /// Wall time of the epoch (training and validation), seconds.
    public var seconds: Double
    /// Wall time of the epoch's training part alone (its minibatches), seconds; absent in
    /// checkpoints written before it was recorded.
    public var trainSeconds: Double? = nil
}

/// Everything needed to continue a run bitwise identically; written after every epoch.
public struct TrainingCheckpoint: Codable, Sendable {
    /// The format version this build writes and reads.
    public static let currentVersion = 2
    /// Format version.
    public var version = TrainingCheckpoint.currentVersion
    /// The run's configuration.
    public var config: TrainingConfig
    /// Epochs completed.
    public var epochsDone: Int
    /// Current trainable values: the network's weights, then its learnable parameters.
    public var trainables: [Double]
    /// Optimizer state.
    public var optimizer: AdamW
    /// Epoch with the best validation accuracy so far (0: none).
    public var bestEpoch: Int
    /// Its validation accuracy.
    public var bestValidationAccuracy: Double
    /// Trainable values at the best epoch.
    public var bestTrainables: [Double]
    /// Per-epoch records so far.
    public var history: [EpochRecord]
    /// Wall seconds spent so far.
    public var wallSeconds: Double
}

extension TrainingCheckpoint {
    /// Reads a checkpoint written by `eventax train` and checks it with ``validate()``; errors name
    /// the path and the offending field.
    public static func load(_ path: String) throws -> TrainingCheckpoint {
        let data = Data(try readFileBytes(path, kind: "a training checkpoint (checkpoint.json)"))
        let state: TrainingCheckpoint
        do { state = try JSONDecoder().decode(TrainingCheckpoint.self, from: data) } catch {
            throw EventaxError.io(path: path, "not a valid training checkpoint: \(describeDecodingError(error))")
        }
        do { try state.validate() } catch let error as EventaxError {
            throw EventaxError.io(path: path, "not a valid training checkpoint: \(error)")
        }
        return state
    }

    /// Checks that the checkpoint is one `eventax train` could have written: the current format
    /// version; one history record per completed epoch, numbered from 1; the best epoch the first
    /// one with the highest validation accuracy (0 with -1 before the first epoch); as many best
    /// as current trainables; an optimizer whose settings are valid, whose learning rate is the
    /// configuration's and whose moments are empty before its first step and one per trainable
    /// after it. (Whether the trainables fit the configuration's network is checked when the
    /// network is built.) Throws an error naming the field and the value.
    public func validate() throws {
        func invalid(_ field: String, _ message: String) -> EventaxError { .invalid(field: field, message) }
        guard version == Self.currentVersion else {
            throw invalid("version", "this build reads checkpoint version \(Self.currentVersion), got \(version)")
        }
        guard epochsDone >= 0 else { throw invalid("epochsDone", "must be ≥ 0, got \(epochsDone)") }
        guard history.count == epochsDone else {
            throw invalid("history", "has \(history.count) records, expected one per completed epoch (epochsDone = \(epochsDone))")
        }
        for (k, record) in history.enumerated() {
            guard record.epoch == k + 1 else { throw invalid("history[\(k)].epoch", "expected \(k + 1), got \(record.epoch)") }
            guard (0...1).contains(record.validationAccuracy) else {
                throw invalid("history[\(k)].validationAccuracy", "must be in [0, 1], got \(record.validationAccuracy)")
            }
            guard record.seconds >= 0 else { throw invalid("history[\(k)].seconds", "must be ≥ 0, got \(record.seconds)") }
            if let t = record.trainSeconds, !(t >= 0 && t <= record.seconds) {
                throw invalid("history[\(k)].trainSeconds", "must be in [0, seconds = \(record.seconds)], got \(t)")
            }
        }
        var best = 0, bestAccuracy = -1.0
        for record in history where record.validationAccuracy > bestAccuracy { best = record.epoch; bestAccuracy = record.validationAccuracy }
        guard bestEpoch == best else {
            throw invalid("bestEpoch", "is \(bestEpoch), but the history's first epoch with the highest validation accuracy is \(best)")
        }
        guard bestValidationAccuracy == bestAccuracy else {
            throw invalid("bestValidationAccuracy", "is \(bestValidationAccuracy), but epoch \(best) of the history has \(bestAccuracy)")
        }
        guard bestTrainables.count == trainables.count else {
            throw invalid("bestTrainables", "has \(bestTrainables.count) values, trainables has \(trainables.count)")
        }
        guard wallSeconds >= 0 else { throw invalid("wallSeconds", "must be ≥ 0, got \(wallSeconds)") }
        guard optimizer.lr == config.learningRate else {
            throw invalid("optimizer.lr", "is \(optimizer.lr), but the configuration's learning rate is \(config.learningRate)")
        }
        do { try optimizer.validate(parameterCount: trainables.count) } catch EventaxError.invalid(let field, let message) {
            throw invalid("optimizer.\(field)", message)
        }
    }

    /// The best-validation network of this checkpoint and a trainer for its configuration (which
    /// loads the task's data).
    public func bestNetwork(threads: Int = 1) throws -> (Trainer, Network) {
        let trainer = try Trainer(config: config, threads: threads)
        return (trainer, try bestNetwork(layout: trainer.layout))
    }

    /// The best-validation network alone: the configuration rebuilds the structure, no data is
    /// loaded (an MNIST checkpoint runs without its data directory).
    public func bestNetworkOnly() throws -> Network {
        try config.validate()
        return try bestNetwork(layout: TrainableLayout(config: config, template: Classifier.initialNetwork(config)))
    }

    func bestNetwork(layout: TrainableLayout) throws -> Network {
        let expected = layout.delayRange.upperBound
        for (field, values) in [("trainables", trainables), ("bestTrainables", bestTrainables)] where values.count != expected {
            throw EventaxError.invalid(field: field, "has \(values.count) values, the configuration's network needs \(expected)")
        }
        return try layout.network(with: bestTrainables)
    }
}

/// The result of a training run.
public struct TrainingSummary: Codable, Sendable {
    /// Test accuracy at the best-validation epoch.
    public var test_accuracy: Double
    /// The best-validation epoch.
    public var best_epoch: Int
    /// Epochs trained.
    public var epochs: Int
    /// Total wall time, seconds (summed over resumed parts).
    public var wall_seconds: Double
    /// Best validation accuracy.
    public var validation_accuracy: Double
    /// Test spike metrics at the best-validation epoch.
    public var test: EvaluationMetrics
    /// The configuration.
    public var config: TrainingConfig
    /// Threads used.
    public var threads: Int
    /// Peak resident memory of the process that wrote the summary, in MiB (for a resumed run,
    /// of its last part); absent in summaries written before it was recorded.
    public var peak_rss_mib: Double? = nil
}

/// Trains classifiers (Yin-Yang, MNIST): seeded shuffling, parallel minibatches, global-norm
/// clipping, AdamW, validation every epoch, the best-validation model kept, test metrics at that epoch.
public final class Trainer {
    /// The run's configuration.
    public let config: TrainingConfig
    /// Worker threads.
    public let threads: Int
    /// The initial network (its structure is reused; trainables change).
    public let template: Network
    /// The task's training, validation and test sets.
    public let data: TaskData
    /// How the trainable vector maps onto the network.
    let layout: TrainableLayout
    /// The most solver steps one simulation of this run may take: 1000 times the most that any
    /// of the first 16 training samples takes with the initial network, at least 1,000,000 and
    /// at most ``Simulator/defaultMaxSteps``, so that diverged parameters stop the run at once.
    public let stepLimit: Int

    /// A trainer; validates the configuration, builds the initial network and sets ``stepLimit``.
    public init(config: TrainingConfig, threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        try config.validate()
        self.config = config
        self.threads = max(1, threads)
        template = try Classifier.initialNetwork(config)
        layout = TrainableLayout(config: config, template: template)
        data = try TaskData(config)
        let probe = (0..<min(EpochSteps.stepProbeSamples, data.train.count)).map(data.train.input)
        stepLimit = try EpochSteps.stepLimit(template, threads: self.threads, inputs: probe,
                                             readouts: probe.map { Classifier.readout(config, input: $0) })
    }

    /// The trainable vector of a network (see ``TrainableLayout``).
    public func trainables(of net: Network) -> [Double] { layout.trainables(of: net) }

    /// The part of the trainable vector that holds delays (projected onto [0, ∞) after each step).
    var delayRange: Range<Int> { layout.delayRange }

    /// The network with the given trainable vector (laid out as ``trainables(of:)``).
    public func network(with trainables: [Double]) throws -> Network { try layout.network(with: trainables) }

    /// The gradient laid out as ``trainables(of:)``.
    func trainableGradient(_ g: Gradients) -> [Double] { layout.gradient(g) }

    /// A fresh checkpoint at epoch 0.
    public func initialCheckpoint() -> TrainingCheckpoint {
        let t = trainables(of: template)
        return TrainingCheckpoint(config: config, epochsDone: 0, trainables: t, optimizer: AdamW(lr: config.learningRate),
                                  bestEpoch: 0, bestValidationAccuracy: -1, bestTrainables: t, history: [], wallSeconds: 0)
    }

    /// Loss, accuracy and spike metrics of `net` on `samples` (simulated in blocks of 1024 to bound memory).
    public func evaluate(_ net: Network, on samples: LabeledSet) throws -> EvaluationMetrics {
        let evaluator = BatchEvaluator(network: net, threads: threads, maxSteps: stepLimit)
        var loss = 0.0, correct = 0, maxFiring = 0.0, fireCount = 0.0, ttfsSum = 0.0, ttfsCount = 0
        var everSpiked = [Bool](repeating: false, count: net.neuronCount)
        for start in stride(from: 0, to: samples.count, by: 1024) {
            let idx = Array(start..<min(samples.count, start + 1024))
            let inputs = idx.map(samples.input)
            let results = try evaluator.forward(inputs, readouts: inputs.map { Classifier.readout(config, input: $0) })
            for (k, (i, r)) in zip(idx, results).enumerated() {
                let label = samples.label(i)
                let e = Classifier.evaluate(r, label: label, config: config, windowStart: Classifier.windowStart(config, input: inputs[k]))
                loss += e.loss
                if e.prediction == label { correct += 1 }
                var cutoff = Double.infinity
                if config.loss == .ttfs, let first = r.ttfs.compactMap({ $0 }).min() {
                    cutoff = first; ttfsSum += first; ttfsCount += 1
                }
                var most = 0, total = 0
                for (n, list) in r.spikes.enumerated() {
                    let c = list.reduce(0) { $0 + ($1 <= cutoff ? 1 : 0) }
                    if !list.isEmpty { everSpiked[n] = true }
                    most = max(most, c); total += c
                }
                maxFiring += Double(most); fireCount += Double(total)
            }
        }
        let capable = (0..<net.neuronCount).filter { net.model(ofNeuron: $0).canSpike }
        let n = Double(samples.count)
        return EvaluationMetrics(accuracy: Double(correct) / n, loss: loss / n, maxFiring: maxFiring / n,
                                 deadNeurons: capable.filter { !everSpiked[$0] }.count, fireCount: fireCount / n,
                                 meanTTFS: config.loss == .ttfs && ttfsCount > 0 ? ttfsSum / Double(ttfsCount) : nil)
    }

    /// Runs one epoch from `state` and returns the next state. `progress(batch, batches)` is called after each minibatch.
    public func epoch(_ state: TrainingCheckpoint, progress: (Int, Int) -> Void = { _, _ in }) throws -> TrainingCheckpoint {
        let start = Date()
        var s = state
        let e = s.epochsDone + 1
        let train = data.train
        let batches = EpochSteps.batches(seed: config.seed, epoch: e, count: train.count, batchSize: config.batchSize)
        let cfg = config
        var lossSum = 0.0, correct = 0
        for (b, batch) in batches.enumerated() {
            let idx = Array(batch)
            let net = try network(with: s.trainables)
            let labels = idx.map(train.label)
            let inputs = idx.map(train.input)
            let starts = inputs.map { Classifier.windowStart(cfg, input: $0) }
            try EpochSteps.namingBatch(epoch: e, batch: b, of: batches.count, learningRate: config.learningRate) {
                let (loss, grads, results) = try BatchEvaluator(network: net, threads: threads, maxSteps: stepLimit).lossAndGradient(
                    inputs, readouts: inputs.map { Classifier.readout(cfg, input: $0) }, delayGradients: !delayRange.isEmpty) { i, r in
                    let ev = Classifier.evaluate(r, label: labels[i], config: cfg, windowStart: starts[i])
                    return (ev.loss, ev.cotangent)
                }
                for (i, r) in results.enumerated() where Classifier.evaluate(r, label: labels[i], config: cfg, windowStart: starts[i]).prediction == labels[i] { correct += 1 }
                lossSum += loss
                try EpochSteps.apply(trainableGradient(grads), samples: idx.count, clip: config.clip, optimizer: &s.optimizer,
                                     trainables: &s.trainables, delayRange: delayRange, template: template)
            }
            progress(b + 1, batches.count)
        }
        let trainSeconds = Date().timeIntervalSince(start)
        let val = try EpochSteps.naming("epoch \(e), validation", trained: true, learningRate: config.learningRate) {
            try evaluate(network(with: s.trainables), on: data.validation)
        }
        if val.accuracy > s.bestValidationAccuracy {
            s.bestValidationAccuracy = val.accuracy
            s.bestEpoch = e
            s.bestTrainables = s.trainables
        }
        let seconds = Date().timeIntervalSince(start)
        s.history.append(EpochRecord(epoch: e, trainLoss: lossSum / Double(train.count), trainAccuracy: Double(correct) / Double(train.count),
                                     validationLoss: val.loss, validationAccuracy: val.accuracy, seconds: seconds, trainSeconds: trainSeconds))
        s.epochsDone = e
        s.wallSeconds += seconds
        return s
    }

    /// Test metrics of the best-validation model and the run summary.
    public func summary(_ s: TrainingCheckpoint) throws -> TrainingSummary {
        let t = try namingErrors("test evaluation of epoch \(s.bestEpoch)'s network") { try evaluate(network(with: s.bestTrainables), on: data.test) }
        return TrainingSummary(test_accuracy: t.accuracy, best_epoch: s.bestEpoch, epochs: s.epochsDone, wall_seconds: s.wallSeconds,
                               validation_accuracy: s.bestValidationAccuracy, test: t, config: config, threads: threads)
    }
}

/// Writes `data` to `path` atomically: a temporary file in the same folder, then a rename.
public func writeAtomically(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
    do {
        try data.write(to: tmp)
        if rename(tmp.path, url.path) != 0 {
            let reason = systemReason(code: errno)
            unlink(tmp.path)
            throw EventaxError.io(path: path, "could not replace the file: \(reason)")
        }
    } catch let e as EventaxError {
        throw e
    } catch {
        throw EventaxError.io(path: path, "could not write: \(systemReason(error))")
    }
}

/// How a configuration's trainable vector maps onto its network: the weights, then the learnable
/// parameters, then (when the configuration trains them) the synaptic delays, then the axonal
/// delays.
struct TrainableLayout: Sendable {
    /// The run's configuration (which delays are trained).
    let config: TrainingConfig
    /// The network whose structure the trainables fill.
    let template: Network
    /// The part of the vector that holds delays (after the weights and learnable parameters).
    let delayRange: Range<Int>
    /// How many of those are synaptic delays (the rest are axonal).
    let synapticDelayCount: Int

    init(config: TrainingConfig, template: Network) {
        self.config = config
        self.template = template
        let base = template.weights.count + template.learnableTotal
        synapticDelayCount = config.delayLimit != nil ? template.synapses.count : 0
        delayRange = base..<base + synapticDelayCount + (config.axonalDelayLimit != nil ? template.neuronCount : 0)
    }

    /// `front` followed by the delays that the configuration trains (synaptic, then axonal).
    private func appendingTrainedDelays(_ front: [Double], synaptic: [Double], axonal: [Double]) -> [Double] {
        var v = front
        if config.delayLimit != nil { v += synaptic }
        if config.axonalDelayLimit != nil { v += axonal }
        return v
    }

    /// The trainable vector of a network.
    func trainables(of net: Network) -> [Double] {
        appendingTrainedDelays(net.trainables, synaptic: net.delays, axonal: net.axonalDelays)
    }

    /// The template with the trainable vector `t`.
    func network(with t: [Double]) throws -> Network {
        let base = delayRange.lowerBound, split = base + synapticDelayCount
        guard t.count == delayRange.upperBound else {
            throw EventaxError.invalid(field: "trainables", "has \(t.count) values, expected \(delayRange.upperBound)")
        }
        let net = try template.withTrainables(Array(t[..<base]))
        guard !delayRange.isEmpty else { return net }
        return try net.withDelays(synaptic: config.delayLimit != nil ? Array(t[base..<split]) : nil,
                                  axonal: config.axonalDelayLimit != nil ? Array(t[split...]) : nil)
    }

    /// A gradient laid out as the trainable vector.
    func gradient(_ g: Gradients) -> [Double] {
        appendingTrainedDelays(g.weights + g.parameters, synaptic: g.delays, axonal: g.axonalDelays)
    }
}
