import Foundation

/// A reverse-mode record of one local computation (a solver step, a jump, a reset): every
/// operation on ``Recorded`` values appends a node with the indices of its (at most two) operands
/// and the partial derivatives with respect to them. A reverse sweep then gives the derivatives
/// of one output combination with respect to every input in a single pass, whatever the number
/// of inputs — unlike ``Dual`` numbers, whose cost grows with the number of seeded lanes.
///
/// The engine uses it for neurons whose derivative lanes (states + learnable parameters +
/// weights per synapse) exceed ``maxDerivativeLanes``. Its memory is owned by whoever made it and
/// released with ``deallocate()``.
@usableFromInline
struct RecordingTape {
    /// One operation: operand indices (−1: none or a constant) and the partials with respect to them.
    @usableFromInline
    struct Node {
        @usableFromInline var a: Int32
        @usableFromInline var b: Int32
        @usableFromInline var da: Double
        @usableFromInline var db: Double
        @inlinable init(a: Int32, da: Double, b: Int32, db: Double) { self.a = a; self.da = da; self.b = b; self.db = db }
    }

    @usableFromInline var nodes: UnsafeMutablePointer<Node>
    @usableFromInline var adjoint: UnsafeMutablePointer<Double>
    @usableFromInline var count = 0
    @usableFromInline var capacity: Int

    /// An empty tape with room for `capacity` nodes before it grows.
    @inlinable init(capacity: Int) {
        self.capacity = max(capacity, 16)
        nodes = .allocate(capacity: self.capacity)
        adjoint = .allocate(capacity: self.capacity)
    }

    /// Frees the tape's memory.
    @inlinable func deallocate() { nodes.deallocate(); adjoint.deallocate() }

    /// Forgets every node (the memory stays).
    @inlinable mutating func removeAll() { count = 0 }

    @inlinable mutating func grow() {
        let newCapacity = capacity * 2
        let newNodes = UnsafeMutablePointer<Node>.allocate(capacity: newCapacity)
        newNodes.moveInitialize(from: nodes, count: count)
        nodes.deallocate()
        adjoint.deallocate()
        nodes = newNodes
        adjoint = .allocate(capacity: newCapacity)
        capacity = newCapacity
    }

    /// Appends a node and returns its index.
    @inlinable @inline(__always)
    mutating func append(a: Int32, da: Double, b: Int32 = -1, db: Double = 0) -> Int32 {
        if count == capacity { grow() }
        nodes[count] = Node(a: a, da: da, b: b, db: db)
        count += 1
        return Int32(truncatingIfNeeded: count - 1)
    }

    /// Clears the adjoints of all nodes.
    @inlinable mutating func clearAdjoints() { adjoint.update(repeating: 0, count: count) }

    /// Propagates the adjoints from the last node back to the first: afterwards the adjoint of
    /// every node is the derivative of Σ (seeded adjoints × their nodes) with respect to it.
    @inlinable func sweep() {
        var i = count - 1
        while i >= 0 {
            let g = adjoint[i]
            if g != 0 {
                let nd = nodes[i]
                if nd.a >= 0 { adjoint[Int(nd.a)] += g * nd.da }
                if nd.b >= 0 { adjoint[Int(nd.b)] += g * nd.db }
            }
            i -= 1
        }
    }
}

/// A scalar that records its operations on a ``RecordingTape`` (reverse-mode automatic
/// differentiation). Values are computed with exactly the `Double` operations a model's `Double`
/// run performs, so the recorded computation is the forward computation; the partials of the
/// arithmetic operators are ``Dual``'s, those of the elementary functions come from
/// ``ChainRuleScalar``, shared with ``Dual``. Constants (`init(_:)`) carry no tape and record nothing.
@frozen
public struct Recorded: ChainRuleScalar, @unchecked Sendable {
    /// The primal value.
    public var value: Double
    /// The node of this value on its tape, or −1 for a constant.
    @usableFromInline var index: Int32
    @usableFromInline var tape: UnsafeMutablePointer<RecordingTape>?

    /// A constant.
    @inlinable @inline(__always)
    public init(_ value: Double) {
        self.value = value
        index = -1
        tape = nil
    }

    @inlinable @inline(__always)
    init(value: Double, index: Int32, tape: UnsafeMutablePointer<RecordingTape>?) {
        self.value = value
        self.index = index
        self.tape = tape
    }

    /// A new input (a leaf node) of `tape`.
    @inlinable
    static func input(_ value: Double, on tape: UnsafeMutablePointer<RecordingTape>) -> Recorded {
        Recorded(value: value, index: tape.pointee.append(a: -1, da: 0), tape: tape)
    }

    /// The chain rule for a unary function with derivative `dfdx` at `value`.
    @inlinable @inline(__always)
    public func chain(_ fx: Double, _ dfdx: Double) -> Recorded {
        guard let t = tape else { return Recorded(fx) }
        return Recorded(value: fx, index: t.pointee.append(a: index, da: dfdx), tape: t)
    }

    /// A binary operation's result with partials `dl` and `dr` with respect to `l` and `r`.
    @inlinable @inline(__always)
    static func binary(_ v: Double, _ l: Recorded, _ dl: Double, _ r: Recorded, _ dr: Double) -> Recorded {
        guard let t = l.tape ?? r.tape else { return Recorded(v) }
        return Recorded(value: v, index: t.pointee.append(a: l.index, da: dl, b: r.index, db: dr), tape: t)
    }

    @inlinable @inline(__always) public static func + (l: Recorded, r: Recorded) -> Recorded { binary(l.value + r.value, l, 1, r, 1) }
    @inlinable @inline(__always) public static func - (l: Recorded, r: Recorded) -> Recorded { binary(l.value - r.value, l, 1, r, -1) }
    @inlinable @inline(__always) public static func * (l: Recorded, r: Recorded) -> Recorded {
        binary(l.value * r.value, l, r.value, r, l.value)
    }
    @inlinable @inline(__always) public static func / (l: Recorded, r: Recorded) -> Recorded {
        let q = l.value / r.value
        return binary(q, l, 1 / r.value, r, -q / r.value)
    }
    @inlinable @inline(__always) public static prefix func - (x: Recorded) -> Recorded { x.chain(-x.value, -1) }
    /// a + c·x as one recorded operation (partials 1 and c), with the value rounded as written.
    @inlinable @inline(__always) public static func plusScaled(_ a: Recorded, _ c: Double, _ x: Recorded) -> Recorded {
        binary(a.value + c * x.value, a, 1, x, c)
    }
    @inlinable @inline(__always) public static func + (l: Recorded, r: Double) -> Recorded { l.chain(l.value + r, 1) }
    @inlinable @inline(__always) public static func + (l: Double, r: Recorded) -> Recorded { r.chain(l + r.value, 1) }
    @inlinable @inline(__always) public static func - (l: Recorded, r: Double) -> Recorded { l.chain(l.value - r, 1) }
    @inlinable @inline(__always) public static func - (l: Double, r: Recorded) -> Recorded { r.chain(l - r.value, -1) }
    @inlinable @inline(__always) public static func * (l: Recorded, r: Double) -> Recorded { l.chain(l.value * r, r) }
    @inlinable @inline(__always) public static func * (l: Double, r: Recorded) -> Recorded { r.chain(l * r.value, l) }
    @inlinable @inline(__always) public static func / (l: Recorded, r: Double) -> Recorded { l.chain(l.value / r, 1 / r) }
    @inlinable @inline(__always) public static func / (l: Double, r: Recorded) -> Recorded {
        let q = l / r.value
        return r.chain(q, -q / r.value)
    }
}
