import Foundation

/// A scalar that carries derivatives by the chain rule. The elementary functions of
/// ``NeuronScalar`` are defined once here, from their `Double` value and derivative, for every
/// such type — ``Dual`` numbers (forward mode) and ``Recorded`` scalars (reverse mode) — so that
/// both reverse passes use the same values and partials.
public protocol ChainRuleScalar: NeuronScalar {
    /// The value `fx` of a function of this scalar whose derivative at `value` is `dfdx`.
    func chain(_ fx: Double, _ dfdx: Double) -> Self
}

extension ChainRuleScalar {
    /// e^x.
    @inlinable @inline(__always) public static func exp(_ x: Self) -> Self { let e = Foundation.exp(x.value); return x.chain(e, e) }
    /// Natural logarithm.
    @inlinable @inline(__always) public static func log(_ x: Self) -> Self { x.chain(Foundation.log(x.value), 1 / x.value) }
    /// Sine.
    @inlinable @inline(__always) public static func sin(_ x: Self) -> Self { let (s, c) = Double.sinCos(x.value); return x.chain(s, c) }
    /// Cosine.
    @inlinable @inline(__always) public static func cos(_ x: Self) -> Self { let (s, c) = Double.sinCos(x.value); return x.chain(c, -s) }
    /// Sine and cosine together.
    @inlinable @inline(__always) public static func sinCos(_ x: Self) -> (sin: Self, cos: Self) {
        let (s, c) = Double.sinCos(x.value)
        return (x.chain(s, c), x.chain(c, -s))
    }
    /// sin(πx) and cos(πx) together; d/dx sin(πx) = π·cos(πx), d/dx cos(πx) = −π·sin(πx).
    @inlinable @inline(__always) public static func sinCosPi(_ x: Self) -> (sin: Self, cos: Self) {
        let (s, c) = Eventax.sinCosPi(x.value)
        return (x.chain(s, Double.pi * c), x.chain(c, -Double.pi * s))
    }
    /// Tangent.
    @inlinable @inline(__always) public static func tan(_ x: Self) -> Self {
        let t = Foundation.tan(x.value)
        return x.chain(t, 1 + t * t)
    }
    /// Hyperbolic tangent.
    @inlinable @inline(__always) public static func tanh(_ x: Self) -> Self {
        let t = Foundation.tanh(x.value)
        return x.chain(t, 1 - t * t)
    }
    /// Square root.
    @inlinable @inline(__always) public static func sqrt(_ x: Self) -> Self {
        let s = x.value.squareRoot()
        return x.chain(s, 0.5 / s)
    }
    /// Logistic sigmoid.
    @inlinable @inline(__always) public static func sigmoid(_ x: Self) -> Self {
        let s = 1 / (1 + Foundation.exp(-x.value))
        return x.chain(s, s * (1 - s))
    }
    /// x raised to a constant power.
    @inlinable @inline(__always) public static func pow(_ x: Self, _ exponent: Double) -> Self {
        let p = Foundation.pow(x.value, exponent)
        return x.chain(p, exponent * Foundation.pow(x.value, exponent - 1))
    }
}
