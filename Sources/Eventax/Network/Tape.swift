/// What a tape record is.
@usableFromInline
enum RecordKind: UInt8 {
    /// A step whose size the solver chose (constant dt or controller); not differentiated in h.
    case regular = 0
    /// A step clipped to a constant end time (tmax); h = tmax − t depends on the segment origin.
    case clippedConstant = 1
    /// A step clipped to the time of the event recorded right after it (a delivery).
    case clipped = 2
    /// A step ending at the neuron's own spike; h is the root of the spike condition.
    case spike = 3
    /// An incoming spike (input jump); `aux` is the delivery id.
    case jump = 4
    /// The neuron's own spike (reset); `aux` is the spike id.
    case reset = 5
}

/// One record of a neuron's tape: a solver step (start time, size) or an event.
@usableFromInline
struct TapeRecord {
    /// Step start time, or event time.
    @usableFromInline var t: Double
    /// Step size (0 for events).
    @usableFromInline var h: Double
    /// Controller proposal after the step (adaptive), to restore after a rollback.
    @usableFromInline var hNext: Double
    /// Controller error after the step (adaptive).
    @usableFromInline var err: Double
    @usableFromInline var kind: RecordKind
    /// Delivery id (jump) or spike id (reset).
    @usableFromInline var aux: Int32

    @inlinable init(t: Double, h: Double, hNext: Double, err: Double, kind: RecordKind, aux: Int32) {
        self.t = t; self.h = h; self.hNext = hNext; self.err = err; self.kind = kind; self.aux = aux
    }
}

/// One neuron's record of the forward computation: its solver steps and its events, in order.
/// Steps store their start state; events store the state just before the event. Rolling back
/// speculative steps only lowers `count`: the storage keeps its capacity (no per-step allocation).
/// The storage is raw memory (an append is a store, not a uniqueness check of two arrays); the
/// owner (``Simulator``) frees it with ``deallocate()``.
@usableFromInline
struct NeuronTape {
    @usableFromInline var rec: UnsafeMutablePointer<TapeRecord>
    /// `n` state values per record.
    @usableFromInline var u: UnsafeMutablePointer<Double>
    @usableFromInline var count = 0
    @usableFromInline var capacity: Int
    @usableFromInline let n: Int

    @usableFromInline init(n: Int) {
        self.n = n
        capacity = 16
        rec = .allocate(capacity: capacity)
        u = .allocate(capacity: capacity * max(n, 1))
    }

    /// Frees the storage; the owner calls it once.
    @usableFromInline func deallocate() {
        rec.deallocate()
        u.deallocate()
    }

    /// Doubles the capacity.
    @usableFromInline @inline(never)
    mutating func grow() {
        let newCapacity = capacity * 2
        let newRec = UnsafeMutablePointer<TapeRecord>.allocate(capacity: newCapacity)
        newRec.moveInitialize(from: rec, count: count)
        rec.deallocate()
        rec = newRec
        let newU = UnsafeMutablePointer<Double>.allocate(capacity: newCapacity * max(n, 1))
        newU.moveInitialize(from: u, count: count * n)
        u.deallocate()
        u = newU
        capacity = newCapacity
    }

    @inlinable
    mutating func append(_ k: RecordKind, aux a: Int32 = -1, t tt: Double, h hh: Double, hNext hn: Double = 0, err e: Double = 0,
                         state: UnsafePointer<Double>) {
        if count == capacity { grow() }
        (rec + count).initialize(to: TapeRecord(t: tt, h: hh, hNext: hn, err: e, kind: k, aux: a))
        let dst = u + count &* n
        for q in 0..<n { dst[q] = state[q] }
        count += 1
    }

    @inlinable
    mutating func truncate(to newCount: Int) {
        if newCount < count { count = newCount }
    }

    @inlinable
    mutating func removeAll() { count = 0 }

    @inlinable func isStep(_ r: Int) -> Bool { rec[r].kind.rawValue <= RecordKind.spike.rawValue }
}

/// A neuron's integration state during a forward simulation.
@usableFromInline
struct NeuronRuntime {
    /// Time of the current state (the integration frontier).
    @usableFromInline var t: Double = 0
    /// The step proposed next.
    @usableFromInline var hProp: Double = 0
    /// Previous accepted error norm (PI controller).
    @usableFromInline var errPrev: Double = 1
    /// Controller state at the start of the speculative region.
    @usableFromInline var hPropAtSegment: Double = 0
    @usableFromInline var errPrevAtSegment: Double = 1
    /// Spike condition at the current state.
    @usableFromInline var gPrev: Double = -1
    /// Index of the first record after the last committed event: records from here on are speculative.
    @usableFromInline var specStart: Int = 0
    /// Bumped whenever queue entries about this neuron become stale.
    @usableFromInline var version: UInt32 = 0
    /// True when the neuron reached tmax.
    @usableFromInline var done = false
    /// True when the last record is a predicted (uncommitted) spike step.
    @usableFromInline var spikePending = false
    @usableFromInline init() {}
}

extension UnsafeMutablePointer {
    /// Allocates room for max(`count`, 1) values, all set to `value` (the engine's per-neuron and
    /// per-spike buffers; the caller deallocates).
    @usableFromInline
    static func allocateFilled(_ value: Pointee, count: Int) -> UnsafeMutablePointer {
        let p = UnsafeMutablePointer.allocate(capacity: Swift.max(count, 1))
        p.initialize(repeating: value, count: Swift.max(count, 1))
        return p
    }
}
