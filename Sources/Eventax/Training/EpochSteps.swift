import Foundation

/// The pieces of one training epoch that every trainer shares: the seeded minibatch order and
/// the optimizer step taken on each minibatch's gradient.
enum EpochSteps {
    /// The minibatches of epoch `epoch` (from 1): a Fisher–Yates permutation of `0..<count`,
    /// seeded by the run's seed and the epoch number (so a resumed run draws the same order), cut
    /// into batches of `batchSize` (the last one may be shorter).
    static func batches(seed: UInt64, epoch: Int, count: Int, batchSize: Int) -> [ArraySlice<Int>] {
        var rng = SplitMix64(seed: seed &* 0x2545F4914F6CDD1D &+ UInt64(epoch))
        let order = rng.permutation(count)
        return stride(from: 0, to: count, by: batchSize).map { order[$0..<min(count, $0 + batchSize)] }
    }

    /// Training samples simulated with the initial network to set a trainer's step limit.
    static let stepProbeSamples = 16

    /// A training run's limit on solver steps per simulation: 1000 times the most steps that any
    /// of `inputs` (the first ``stepProbeSamples`` training samples) takes with the initial
    /// network `net`, at least 1,000,000 and at most ``Simulator/defaultMaxSteps``. Parameters
    /// that diverge (an absurd learning rate) then stop the run within seconds and with bounded
    /// memory, where 50 million steps per simulation took minutes and gigabytes. It depends only
    /// on the configuration, so a resumed run has the same limit.
    static func stepLimit(_ net: Network, threads: Int, inputs: [[[Double]]], readouts: [ReadoutRequest]) throws -> Int {
        let most = try namingErrors("the initial network on the first training samples") {
            try BatchEvaluator(network: net, threads: threads).forward(inputs, readouts: readouts).map(\.stepCount).max() ?? 0
        }
        return min(Simulator.defaultMaxSteps, max(1_000_000, 1000 * most))
    }

    /// ``namingErrors(_:_:)`` for a part of a training epoch. When the parameters have been
    /// trained (`trained`: at least one optimizer step since the initial network) and a simulation
    /// fails in the solver or runs into the event limit, the parameters have most likely
    /// diverged, so the context then also names the learning rate and suggests a smaller one.
    static func naming<R>(_ context: String, trained: Bool, learningRate: Double, _ body: () throws -> R) throws -> R {
        do { return try namingErrors(context, body) } catch let EventaxError.during(c, inner) where trained && inner.suggestsDivergence {
            throw EventaxError.during("\(c) (after training at learning rate \(learningRate): the parameters may have diverged; try a smaller --lr)", inner)
        }
    }

    /// ``naming(_:trained:learningRate:_:)`` for minibatch `batch` (0-based) of `batches` in epoch
    /// `epoch` (1-based): the parameters count as trained from the second minibatch of the run on.
    static func namingBatch<R>(epoch: Int, batch: Int, of batches: Int, learningRate: Double, _ body: () throws -> R) throws -> R {
        try naming("epoch \(epoch), training batch \(batch + 1) of \(batches)", trained: epoch > 1 || batch > 0,
                   learningRate: learningRate, body)
    }

    /// One optimizer step on a minibatch: `summedGradient` (summed over `samples` samples) is
    /// averaged, clipped to global norm `clip`, applied by `optimizer`; then the trainables in
    /// `delayRange` are clamped at 0 and the template's parameter floors are applied. Returns the
    /// gradient's global norm before clipping. A non-finite gradient entry is an error, thrown
    /// before anything changes: the step would turn every trainable into NaN.
    @discardableResult
    static func apply<O: Optimizer>(_ summedGradient: [Double], samples: Int, clip: Double, optimizer: inout O,
                      trainables: inout [Double], delayRange: Range<Int> = 0..<0, template: Network) throws -> Double {
        if let k = summedGradient.firstIndex(where: { !$0.isFinite }) {
            throw EventaxError.invalid(field: "gradient[\(k)]", "is \(summedGradient[k]) (trainable \(k) of \(summedGradient.count)), so no step was taken; "
                + "the network diverged (try a smaller --lr) or a spike crossed its threshold with zero slope")
        }
        var g = summedGradient.map { $0 / Double(samples) }
        let norm = try clipByGlobalNorm(&g, maxNorm: clip)
        optimizer.step(&trainables, g)
        for k in delayRange { trainables[k] = max(0, trainables[k]) }
        template.projectOntoFloors(&trainables)
        return norm
    }
}
