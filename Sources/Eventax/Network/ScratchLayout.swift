// Layouts of the kernels' scratch memory. Each layout is written once, as a type whose
// initializer hands out the pointers; ``scratchByteCount(_:)`` lays it out from a dummy address,
// so the size a kernel requests and the pointers it uses cannot disagree.

/// `scratch` rounded up to the next multiple of 64 bytes (a cache line; the widest SIMD
/// alignment the kernels use).
@inlinable @inline(__always)
func alignedTo64(_ scratch: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer {
    UnsafeMutableRawPointer(bitPattern: (Int(bitPattern: scratch) + 63) & ~63)!
}

/// Bytes of scratch a layout needs from any start address: the end `layout` returns for a
/// 64-byte aligned dummy start (never dereferenced), plus 63 bytes for aligning a real start.
/// `layout` must round its start (or its start plus a fixed offset) up to 64 bytes before it
/// places anything, as ``StepScratch`` and ``LockstepScratch`` do.
@inlinable
func scratchByteCount(_ layout: (UnsafeMutableRawPointer) -> UnsafeMutableRawPointer) -> Int {
    let base = UnsafeMutableRawPointer(bitPattern: 64)!
    return layout(base) - base + 63
}

/// The arrays of one solver step in scratch memory, all of element type `E` (Double for the
/// forward steps, dual numbers for the root finder and the reverse pass, tape-recorded scalars
/// for ``RecordingKernel``), from `scratch` rounded up to 64 bytes.
@usableFromInline
struct StepScratch<E> {
    /// Stages (`stages · states` values), then tmp, state, out and error estimate (`states` each).
    @usableFromInline let k, tmp, u, out, err: UnsafeMutablePointer<E>
    /// Parameters, weights of one synapse and observables (as many as asked for).
    @usableFromInline let p, w, o: UnsafeMutablePointer<E>
    /// The first byte after the layout.
    @usableFromInline let end: UnsafeMutableRawPointer

    /// The layout starting at `scratch` rounded up to 64 bytes.
    @inlinable @inline(__always)
    init(_ scratch: UnsafeMutableRawPointer, stages s: Int, states n: Int,
         parameters: Int = 0, weights: Int = 0, observables: Int = 0) {
        k = alignedTo64(scratch).assumingMemoryBound(to: E.self)
        tmp = k + s * n; u = tmp + n; out = u + n; err = out + n
        p = err + n; w = p + parameters; o = w + weights
        end = UnsafeMutableRawPointer(o + observables)
    }
}

/// Where ``ModelKernel/lockstep`` keeps its arrays in scratch memory.
@usableFromInline
struct LockstepScratch {
    /// Stages (`stages · states` values), then tmp, state, out and error (`states` each) and
    /// parameters, four lanes each.
    @usableFromInline let k, tmp, u, out, err, p: UnsafeMutablePointer<Lanes4>
    /// One lane's out and error (`states` each).
    @usableFromInline let outLane, errLane: UnsafeMutablePointer<Double>
    /// Per lane: step size, end and record kind, kept in memory as scalars (writing one lane of a
    /// SIMD value in registers spills and reloads the whole vector for every lane).
    @usableFromInline let hs, ends: UnsafeMutablePointer<Double>
    /// Per lane: the raw value of the record kind of the step being attempted.
    @usableFromInline let kinds: UnsafeMutablePointer<UInt8>
    /// The first byte after the layout.
    @usableFromInline let end: UnsafeMutableRawPointer

    /// The layout starting at `scratch` rounded up to 64 bytes.
    @inlinable @inline(__always)
    init(_ scratch: UnsafeMutableRawPointer, stages s: Int, states n: Int, parameters nParams: Int) {
        let aligned = alignedTo64(scratch)
        k = aligned.assumingMemoryBound(to: Lanes4.self)
        tmp = k + s * n; u = tmp + n; out = u + n; err = out + n; p = err + n
        outLane = UnsafeMutableRawPointer(p + nParams).assumingMemoryBound(to: Double.self)
        errLane = outLane + n; hs = errLane + n; ends = hs + 4
        kinds = UnsafeMutableRawPointer(ends + 4).assumingMemoryBound(to: UInt8.self)
        end = UnsafeMutableRawPointer(kinds + 4)
    }
}
