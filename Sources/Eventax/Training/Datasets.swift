import Foundation

/// A labelled set of encoded samples. Inputs are encoded on demand (MNIST's 55,000 encoded
/// images would take over a gigabyte), so a set is a count plus two functions.
public struct LabeledSet: Sendable {
    /// Number of samples.
    public let count: Int
    /// The class of sample `i`.
    public let label: @Sendable (Int) -> Int
    /// The encoded input of sample `i`: spike times per input channel.
    public let input: @Sendable (Int) -> [[Double]]

    /// A set of `count` samples given by `label` and `input`.
    public init(count: Int, label: @escaping @Sendable (Int) -> Int, input: @escaping @Sendable (Int) -> [[Double]]) {
        self.count = count; self.label = label; self.input = input
    }

    /// The first `n` samples (all when `n` is nil or larger than the set).
    public func prefix(_ n: Int?) -> LabeledSet {
        guard let n, n < count else { return self }
        return LabeledSet(count: n, label: label, input: input)
    }

    /// Yin-Yang samples, encoded as in ``YinYangTask/encode(_:)``.
    public static func yinYang(_ samples: [YinYangSample]) -> LabeledSet {
        LabeledSet(count: samples.count, label: { samples[$0].label }, input: { YinYangTask.encode(samples[$0]) })
    }

    /// The images `indices` of an MNIST dataset under `encoding`.
    public static func mnist(_ data: MNISTDataset, indices: [Int], encoding: LatencyEncoding = LatencyEncoding()) -> LabeledSet {
        LabeledSet(count: indices.count, label: { Int(data.labels[indices[$0]]) }, input: { encoding.encode(image: data.image(indices[$0])) })
    }
}

/// The training, validation and test sets of a configuration's task.
public struct TaskData: Sendable {
    /// Training samples (after ``TrainingConfig/trainSubset``).
    public let train: LabeledSet
    /// Validation samples (after ``TrainingConfig/evalSubset``).
    public let validation: LabeledSet
    /// Test samples (after ``TrainingConfig/evalSubset``).
    public let test: LabeledSet

    /// Generates (Yin-Yang) or loads (MNIST, from ``TrainingConfig/data``) the task's data.
    /// MNIST: the 60,000 training images are split into training and ``TrainingConfig/validationSize``
    /// validation images with ``TrainingConfig/seed``; the 10,000 test images are the test set.
    public init(_ config: TrainingConfig) throws {
        switch config.task {
        case "mnist":
            guard let dir = config.data else { throw EventaxError.invalid(field: "--data", "MNIST needs the directory of its IDX files") }
            let all = try MNISTDataset.load(directory: dir, split: .train)
            let testSet = try MNISTDataset.load(directory: dir, split: .test)
            guard config.validationSize < all.count else {
                throw EventaxError.invalid(field: "--validation-size", "must be smaller than the \(all.count) training images, got \(config.validationSize)")
            }
            let (tr, va) = MNISTDataset.split(train: all, validation: config.validationSize, seed: config.seed)
            train = LabeledSet.mnist(all, indices: tr).prefix(config.trainSubset)
            validation = LabeledSet.mnist(all, indices: va).prefix(config.evalSubset)
            test = LabeledSet.mnist(testSet, indices: Array(0..<testSet.count)).prefix(config.evalSubset)
        case "xor":
            func set(_ samples: [DelayedXORSample]) -> LabeledSet {
                LabeledSet(count: samples.count, label: { samples[$0].label }, input: { samples[$0].input })
            }
            train = set(DelayedXOR.split(.train)).prefix(config.trainSubset)
            validation = set(DelayedXOR.split(.validation)).prefix(config.evalSubset)
            test = set(DelayedXOR.split(.test)).prefix(config.evalSubset)
        default:
            train = LabeledSet.yinYang(YinYang.generate(.train)).prefix(config.trainSubset)
            validation = LabeledSet.yinYang(YinYang.generate(.validation)).prefix(config.evalSubset)
            test = LabeledSet.yinYang(YinYang.generate(.test)).prefix(config.evalSubset)
        }
    }
}
