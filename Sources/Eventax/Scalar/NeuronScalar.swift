import Foundation
import CEventaxMath

/// The small scalar protocol that neuron models are written against.
///
/// A model's dynamics, spike condition, input jump and reset are written once, generic over
/// `NeuronScalar`. The engine runs them with `Double` to simulate and with ``Dual`` numbers to get
/// the exact local derivatives its reverse pass needs. Mixed `Double`/`Self` operators keep long
/// expressions quick to type-check.
public protocol NeuronScalar: Sendable {
    /// A constant with no derivative part.
    init(_ value: Double)
    /// The primal value.
    var value: Double { get }

    static func + (lhs: Self, rhs: Self) -> Self
    static func - (lhs: Self, rhs: Self) -> Self
    static func * (lhs: Self, rhs: Self) -> Self
    static func / (lhs: Self, rhs: Self) -> Self
    static prefix func - (x: Self) -> Self
    static func + (lhs: Self, rhs: Double) -> Self
    static func + (lhs: Double, rhs: Self) -> Self
    static func - (lhs: Self, rhs: Double) -> Self
    static func - (lhs: Double, rhs: Self) -> Self
    static func * (lhs: Self, rhs: Double) -> Self
    static func * (lhs: Double, rhs: Self) -> Self
    static func / (lhs: Self, rhs: Double) -> Self
    static func / (lhs: Double, rhs: Self) -> Self

    /// e^x.
    static func exp(_ x: Self) -> Self
    /// Natural logarithm.
    static func log(_ x: Self) -> Self
    /// Sine.
    static func sin(_ x: Self) -> Self
    /// Cosine.
    static func cos(_ x: Self) -> Self
    /// Sine and cosine of the same argument, computed together.
    static func sinCos(_ x: Self) -> (sin: Self, cos: Self)
    /// sin(πx) and cos(πx), computed together; more accurate than `sinCos(π·x)` (π·x is never
    /// rounded) and, for `Double`, faster.
    static func sinCosPi(_ x: Self) -> (sin: Self, cos: Self)
    /// Tangent.
    static func tan(_ x: Self) -> Self
    /// Hyperbolic tangent.
    static func tanh(_ x: Self) -> Self
    /// Square root.
    static func sqrt(_ x: Self) -> Self
    /// Logistic sigmoid 1 / (1 + e^-x).
    static func sigmoid(_ x: Self) -> Self
    /// x raised to a constant power.
    static func pow(_ x: Self, _ exponent: Double) -> Self
    /// a + c·x, rounded as written (the product, then the sum: not a fused multiply-add). The
    /// solvers' stage sums use it; ``Recorded`` records it as one operation instead of two.
    static func plusScaled(_ a: Self, _ c: Double, _ x: Self) -> Self
}

extension NeuronScalar {
    /// a + c·x, rounded as written.
    @inlinable @inline(__always) public static func plusScaled(_ a: Self, _ c: Double, _ x: Self) -> Self { a + c * x }
}

extension Double: NeuronScalar {
    /// The value itself.
    @inlinable public var value: Double { self }
    /// e^x.
    @inlinable @inline(__always) public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    /// Natural logarithm.
    @inlinable @inline(__always) public static func log(_ x: Double) -> Double { Foundation.log(x) }
    /// Sine.
    @inlinable @inline(__always) public static func sin(_ x: Double) -> Double { Foundation.sin(x) }
    /// Cosine.
    @inlinable @inline(__always) public static func cos(_ x: Double) -> Double { Foundation.cos(x) }
    /// Sine and cosine together (one libm call).
    @inlinable @inline(__always) public static func sinCos(_ x: Double) -> (sin: Double, cos: Double) {
        var s = 0.0, c = 0.0
        eventax_sincos(x, &s, &c)
        return (s, c)
    }
    /// sin(πx) and cos(πx) by exact reduction and polynomials (see `sinCosPi(_:)`).
    @inlinable @inline(__always) public static func sinCosPi(_ x: Double) -> (sin: Double, cos: Double) { Eventax.sinCosPi(x) }
    /// Tangent.
    @inlinable @inline(__always) public static func tan(_ x: Double) -> Double { Foundation.tan(x) }
    /// Hyperbolic tangent.
    @inlinable @inline(__always) public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
    /// Square root.
    @inlinable @inline(__always) public static func sqrt(_ x: Double) -> Double { x.squareRoot() }
    /// Logistic sigmoid.
    @inlinable @inline(__always) public static func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
    /// x raised to a constant power.
    @inlinable @inline(__always) public static func pow(_ x: Double, _ exponent: Double) -> Double { Foundation.pow(x, exponent) }
}
