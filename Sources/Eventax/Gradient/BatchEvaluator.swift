import Foundation

/// Simulates and differentiates minibatches on several threads. The batch is cut into fixed
/// chunks whose gradients are summed in sample order and then reduced in chunk order, so the
/// result is bitwise identical for any thread count.
public final class BatchEvaluator: @unchecked Sendable {
    /// The network all samples run on.
    public let network: Network
    /// Worker threads.
    public let threads: Int
    /// Samples per chunk (fixed, independent of `threads`).
    public let chunkSize = 8
    /// Idle simulators. One is made when a worker finds none, so there are never more than the
    /// workers that have run at once (not one per requested thread: `threads` may exceed the cores).
    private var pool: [Simulator] = []
    private let lock = NSLock()
    /// Simulators made so far (at most the number of workers that ran at the same time).
    var simulatorsMade: Int { lock.lock(); defer { lock.unlock() }; return made }
    private var made = 0

    /// The ``Simulator/maxSteps`` of its simulators.
    public let maxSteps: Int

    /// An evaluator with `threads` workers (default: all cores) whose simulations may take up to
    /// `maxSteps` solver steps each.
    public init(network: Network, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                maxSteps: Int = Simulator.defaultMaxSteps) {
        self.network = network
        self.threads = max(1, threads)
        self.maxSteps = maxSteps
    }

    private func take() -> Simulator {
        lock.lock()
        if let s = pool.popLast() { lock.unlock(); return s }
        made += 1
        lock.unlock()
        let s = Simulator(network: network)
        s.maxSteps = maxSteps
        return s
    }
    private func give(_ s: Simulator) { lock.lock(); pool.append(s); lock.unlock() }

    /// Runs `body(chunk)` for every chunk on the worker threads; the first error is rethrown.
    private func forEachChunk(count: Int, _ body: @escaping (Int, Simulator) throws -> Void) throws {
        let chunks = (count + chunkSize - 1) / chunkSize
        var firstError: Error?
        let errLock = NSLock()
        let next = ChunkCounter()
        DispatchQueue.concurrentPerform(iterations: min(threads, max(chunks, 1))) { _ in
            let sim = take()
            defer { give(sim) }
            while true {
                let c = next.increment()
                if c >= chunks { break }
                do { try body(c, sim) } catch { errLock.lock(); if firstError == nil { firstError = error }; errLock.unlock() }
            }
        }
        if let firstError { throw firstError }
    }

    /// Forward simulations of every sample.
    public func forward(_ inputs: [[[Double]]], readout: ReadoutRequest) throws -> [SimulationResult] {
        try forward(inputs, readouts: [ReadoutRequest](repeating: readout, count: inputs.count))
    }

    /// Forward simulations of every sample, each with its own readout request.
    public func forward(_ inputs: [[[Double]]], readouts: [ReadoutRequest]) throws -> [SimulationResult] {
        let results = UnsafeMutableBufferPointer<SimulationResult?>.allocate(capacity: inputs.count)
        results.initialize(repeating: nil)
        defer { results.deinitialize(); results.deallocate() }  // deinitialize: the results hold arrays
        try forEachChunk(count: inputs.count) { c, sim in
            for i in c * self.chunkSize..<min(inputs.count, (c + 1) * self.chunkSize) { results[i] = try sim.run(inputs[i], readout: readouts[i]) }
        }
        return results.map { $0! }
    }

    /// Forward and reverse passes of every sample: `cotangent(i, result)` gives sample i's loss and
    /// cotangent. Returns the summed loss, the summed gradients and the results. Without
    /// `delayGradients` the gradients' ``Gradients/delays`` and ``Gradients/axonalDelays`` are
    /// empty (not computed).
    public func lossAndGradient(_ inputs: [[[Double]]], readout: ReadoutRequest, delayGradients: Bool = true,
                                cotangent: @escaping @Sendable (Int, SimulationResult) -> (Double, Cotangent)) throws
        -> (loss: Double, gradients: Gradients, results: [SimulationResult]) {
        try lossAndGradient(inputs, readouts: [ReadoutRequest](repeating: readout, count: inputs.count), delayGradients: delayGradients,
                            cotangent: cotangent)
    }

    /// ``lossAndGradient(_:readout:delayGradients:cotangent:)`` with one readout request per sample.
    public func lossAndGradient(_ inputs: [[[Double]]], readouts: [ReadoutRequest], delayGradients: Bool = true,
                                cotangent: @escaping @Sendable (Int, SimulationResult) -> (Double, Cotangent)) throws
        -> (loss: Double, gradients: Gradients, results: [SimulationResult]) {
        let chunks = (inputs.count + chunkSize - 1) / chunkSize
        let results = UnsafeMutableBufferPointer<SimulationResult?>.allocate(capacity: inputs.count)
        results.initialize(repeating: nil)
        defer { results.deinitialize(); results.deallocate() }  // deinitialize: the results hold arrays
        let net = network
        // Each chunk sums its samples in order, and the chunk sums are added to the total in chunk
        // order — the same additions for any thread count. A finished chunk's sum waits in one of
        // `window` slots until the chunks before it are added; a worker starts chunk c only once
        // chunk c − window has been added, so at most `window` chunk sums are alive at a time,
        // without a barrier between groups of chunks.
        let reducer = OrderedReducer(chunks: chunks, window: max(1, min(chunks, min(threads, chunks) * 4)),
                                     total: Gradients(network: net, inputShape: [], delays: delayGradients))
        try forEachChunk(count: inputs.count) { c, sim in
            guard reducer.waitForSlot(c) else { return }  // another chunk failed: the call throws
            do {
                var loss = 0.0
                var sum = Gradients(network: net, inputShape: [], delays: delayGradients)
                for i in c * self.chunkSize..<min(inputs.count, (c + 1) * self.chunkSize) {
                    let r = try sim.run(inputs[i], readout: readouts[i])
                    results[i] = r
                    let (l, ct) = cotangent(i, r)
                    loss += l
                    try sim.accumulateGradient(ct, into: &sum)
                }
                reducer.finish(c, loss: loss, gradients: sum)
            } catch {
                reducer.fail()
                throw error
            }
        }
        let (loss, total) = reducer.result()
        return (loss, total, results.map { $0! })
    }
}

/// Adds chunk sums (loss and gradients) to a total in chunk order as chunks finish in any order,
/// holding at most `window` finished sums that wait for an earlier chunk.
final class OrderedReducer: @unchecked Sendable {
    private let window: Int
    private let chunks: Int
    private var slots: [(Double, Gradients)?]
    private var added = 0
    private var failed = false
    private var loss = 0.0
    private var total: Gradients
    private let condition = NSCondition()

    init(chunks: Int, window: Int, total: Gradients) {
        self.chunks = chunks
        self.window = window
        self.slots = Array(repeating: nil, count: window)
        self.total = total
    }

    /// Blocks until chunk `c` has a free slot (chunk c − window has been added); false when a
    /// chunk has failed, so no further chunk is needed.
    func waitForSlot(_ c: Int) -> Bool {
        condition.lock(); defer { condition.unlock() }
        while c >= added + window && !failed { condition.wait() }
        return !failed
    }

    /// Stores chunk `c`'s sums and adds every stored chunk that is next in order.
    func finish(_ c: Int, loss: Double, gradients: Gradients) {
        condition.lock(); defer { condition.unlock() }
        slots[c % window] = (loss, gradients)
        while added < chunks, let (l, g) = slots[added % window] {
            self.loss += l
            total.add(g)
            slots[added % window] = nil
            added += 1
        }
        condition.broadcast()
    }

    /// Marks the reduction failed and wakes the waiting workers.
    func fail() {
        condition.lock(); failed = true; condition.broadcast(); condition.unlock()
    }

    /// The summed loss and gradients, once every chunk has finished (after a failure the caller
    /// throws instead of asking).
    func result() -> (Double, Gradients) {
        condition.lock(); defer { condition.unlock() }
        precondition(added == chunks, "OrderedReducer: \(chunks - added) chunks were not added")
        return (loss, total)
    }
}

/// A lock-protected counter handing out chunk indices.
final class ChunkCounter: @unchecked Sendable {
    private var value = -1
    private let lock = NSLock()
    func increment() -> Int { lock.lock(); defer { lock.unlock() }; value += 1; return value }
}
