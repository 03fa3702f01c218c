import Foundation

/// A forward-mode dual number: a value and its partial derivatives along `Lanes.scalarCount` seed
/// directions, carried in a SIMD vector so that derivative arithmetic vectorizes.
///
/// The reverse pass evaluates one solver step with the state, the learnable parameters and the
/// step size seeded as lanes; the lanes of the result are the step's exact local Jacobian.
@frozen
public struct Dual<Lanes: SIMD & Sendable>: ChainRuleScalar where Lanes.Scalar == Double {
    /// The primal value.
    public var value: Double
    /// The partial derivatives, one per seed direction.
    public var d: Lanes

    /// A dual number with the given value and partials.
    @inlinable @inline(__always)
    public init(value: Double, d: Lanes) {
        self.value = value
        self.d = d
    }

    /// A constant (all partials zero).
    @inlinable @inline(__always)
    public init(_ value: Double) {
        self.value = value
        self.d = Lanes()
    }

    /// A variable seeded along lane `lane`.
    @inlinable @inline(__always)
    public init(_ value: Double, seed lane: Int) {
        self.value = value
        var d = Lanes()
        d[lane] = 1
        self.d = d
    }

    /// The chain rule for a unary function with derivative `dfdx` at `value`.
    @inlinable @inline(__always)
    public func chain(_ fx: Double, _ dfdx: Double) -> Dual { Dual(value: fx, d: d * dfdx) }

    @inlinable @inline(__always) public static func + (l: Dual, r: Dual) -> Dual { Dual(value: l.value + r.value, d: l.d + r.d) }
    @inlinable @inline(__always) public static func - (l: Dual, r: Dual) -> Dual { Dual(value: l.value - r.value, d: l.d - r.d) }
    @inlinable @inline(__always) public static func * (l: Dual, r: Dual) -> Dual {
        Dual(value: l.value * r.value, d: l.d * r.value + r.d * l.value)
    }
    @inlinable @inline(__always) public static func / (l: Dual, r: Dual) -> Dual {
        let q = l.value / r.value
        return Dual(value: q, d: (l.d - r.d * q) / r.value)
    }
    @inlinable @inline(__always) public static prefix func - (x: Dual) -> Dual { Dual(value: -x.value, d: -x.d) }
    @inlinable @inline(__always) public static func + (l: Dual, r: Double) -> Dual { Dual(value: l.value + r, d: l.d) }
    @inlinable @inline(__always) public static func + (l: Double, r: Dual) -> Dual { Dual(value: l + r.value, d: r.d) }
    @inlinable @inline(__always) public static func - (l: Dual, r: Double) -> Dual { Dual(value: l.value - r, d: l.d) }
    @inlinable @inline(__always) public static func - (l: Double, r: Dual) -> Dual { Dual(value: l - r.value, d: -r.d) }
    @inlinable @inline(__always) public static func * (l: Dual, r: Double) -> Dual { Dual(value: l.value * r, d: l.d * r) }
    @inlinable @inline(__always) public static func * (l: Double, r: Dual) -> Dual { Dual(value: l * r.value, d: r.d * l) }
    @inlinable @inline(__always) public static func / (l: Dual, r: Double) -> Dual { Dual(value: l.value / r, d: l.d / r) }
    @inlinable @inline(__always) public static func / (l: Double, r: Dual) -> Dual {
        let q = l / r.value
        return Dual(value: q, d: r.d * (-q / r.value))
    }
}

/// A view of `count` consecutive scalars in engine-owned memory: a model's state, parameters,
/// derivative or observables. Models read and write it by index; `Vars` never allocates.
@frozen
public struct Vars<T> {
    /// The first element.
    public let base: UnsafeMutablePointer<T>

    /// A view starting at `base`.
    @inlinable @inline(__always)
    public init(_ base: UnsafeMutablePointer<T>) { self.base = base }

    /// The element at `index`.
    @inlinable
    public subscript(index: Int) -> T {
        @inline(__always) get { base[index] }
        @inline(__always) nonmutating set { base[index] = newValue }
    }
}
