import Foundation

/// Four independent `Double` values, one per neuron, that a lockstep-safe model's functions run on
/// to integrate four neurons at once. Every operation acts lane by lane and rounds exactly as the
/// same `Double` operation (no fused multiply-add; transcendental functions call the scalar
/// function per lane, except ``sinCosPi(_:)``, which runs the scalar routine's polynomials on four
/// lanes at once), so each lane's result is bit for bit the `Double` result.
///
/// `value` is lane 0: a model whose functions read `value` (to branch on the state) must not
/// declare ``NeuronModel/supportsLockstep``.
@frozen
public struct Lanes4: NeuronScalar {
    /// The four values.
    public var v: SIMD4<Double>

    /// Four lanes.
    @inlinable @inline(__always) public init(lanes v: SIMD4<Double>) { self.v = v }
    /// The same value in every lane.
    @inlinable @inline(__always) public init(_ value: Double) { v = SIMD4(repeating: value) }
    /// Lane 0 (see the type's note).
    @inlinable public var value: Double { v[0] }

    @inlinable @inline(__always) public static func + (l: Lanes4, r: Lanes4) -> Lanes4 { Lanes4(lanes: l.v + r.v) }
    @inlinable @inline(__always) public static func - (l: Lanes4, r: Lanes4) -> Lanes4 { Lanes4(lanes: l.v - r.v) }
    @inlinable @inline(__always) public static func * (l: Lanes4, r: Lanes4) -> Lanes4 { Lanes4(lanes: l.v * r.v) }
    @inlinable @inline(__always) public static func / (l: Lanes4, r: Lanes4) -> Lanes4 { Lanes4(lanes: l.v / r.v) }
    /// Negation flips each lane's sign bit, as `Double`'s (SIMD's prefix minus computes 0 − x, which gives +0 for +0).
    @inlinable @inline(__always) public static prefix func - (x: Lanes4) -> Lanes4 { Lanes4(lanes: negated(x.v)) }
    @inlinable @inline(__always) public static func + (l: Lanes4, r: Double) -> Lanes4 { Lanes4(lanes: l.v + r) }
    @inlinable @inline(__always) public static func + (l: Double, r: Lanes4) -> Lanes4 { Lanes4(lanes: l + r.v) }
    @inlinable @inline(__always) public static func - (l: Lanes4, r: Double) -> Lanes4 { Lanes4(lanes: l.v - r) }
    @inlinable @inline(__always) public static func - (l: Double, r: Lanes4) -> Lanes4 { Lanes4(lanes: l - r.v) }
    @inlinable @inline(__always) public static func * (l: Lanes4, r: Double) -> Lanes4 { Lanes4(lanes: l.v * r) }
    @inlinable @inline(__always) public static func * (l: Double, r: Lanes4) -> Lanes4 { Lanes4(lanes: l * r.v) }
    @inlinable @inline(__always) public static func / (l: Lanes4, r: Double) -> Lanes4 { Lanes4(lanes: l.v / r) }
    @inlinable @inline(__always) public static func / (l: Double, r: Lanes4) -> Lanes4 { Lanes4(lanes: l / r.v) }

    /// `f` applied to each lane.
    @inlinable @inline(__always) public static func map(_ x: Lanes4, _ f: (Double) -> Double) -> Lanes4 {
        Lanes4(lanes: SIMD4(f(x.v[0]), f(x.v[1]), f(x.v[2]), f(x.v[3])))
    }
    /// e^x per lane.
    @inlinable public static func exp(_ x: Lanes4) -> Lanes4 { map(x, Double.exp) }
    /// Natural logarithm per lane.
    @inlinable public static func log(_ x: Lanes4) -> Lanes4 { map(x, Double.log) }
    /// Sine per lane.
    @inlinable public static func sin(_ x: Lanes4) -> Lanes4 { map(x, Double.sin) }
    /// Cosine per lane.
    @inlinable public static func cos(_ x: Lanes4) -> Lanes4 { map(x, Double.cos) }
    /// Sine and cosine per lane.
    @inlinable public static func sinCos(_ x: Lanes4) -> (sin: Lanes4, cos: Lanes4) {
        var s = SIMD4<Double>(), c = SIMD4<Double>()
        for l in 0..<4 { (s[l], c[l]) = Double.sinCos(x.v[l]) }
        return (Lanes4(lanes: s), Lanes4(lanes: c))
    }
    /// sin(πx) and cos(πx) per lane, by the four-lane version of the scalar routine (bit for bit the same).
    @inlinable @inline(__always) public static func sinCosPi(_ x: Lanes4) -> (sin: Lanes4, cos: Lanes4) {
        let (s, c) = Eventax.sinCosPi(x.v)
        return (Lanes4(lanes: s), Lanes4(lanes: c))
    }
    /// Tangent per lane.
    @inlinable public static func tan(_ x: Lanes4) -> Lanes4 { map(x, Double.tan) }
    /// Hyperbolic tangent per lane.
    @inlinable public static func tanh(_ x: Lanes4) -> Lanes4 { map(x, Double.tanh) }
    /// Square root per lane (correctly rounded, as `Double.squareRoot()`).
    @inlinable public static func sqrt(_ x: Lanes4) -> Lanes4 { Lanes4(lanes: x.v.squareRoot()) }
    /// Logistic sigmoid per lane.
    @inlinable public static func sigmoid(_ x: Lanes4) -> Lanes4 { map(x, Double.sigmoid) }
    /// x raised to a constant power, per lane.
    @inlinable public static func pow(_ x: Lanes4, _ exponent: Double) -> Lanes4 { map(x) { Double.pow($0, exponent) } }
}
