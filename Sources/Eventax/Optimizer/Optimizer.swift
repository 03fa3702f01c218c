import Foundation

/// A first-order optimizer over one flat parameter vector.
public protocol Optimizer: Sendable {
    /// Updates `params` in place from the gradient `grad` (of the loss to minimize).
    mutating func step(_ params: inout [Double], _ grad: [Double])
}

/// Plain stochastic gradient descent.
public struct SGD: Optimizer, Codable {
    /// Learning rate.
    public var lr: Double
    /// SGD with learning rate `lr`.
    public init(lr: Double) { self.lr = lr }
    public mutating func step(_ params: inout [Double], _ grad: [Double]) {
        for k in params.indices { params[k] -= lr * grad[k] }
    }
}

/// Adam with decoupled weight decay (AdamW; Loshchilov & Hutter). With `weightDecay` 0 it is Adam.
/// Defaults are optax's: b1 0.9, b2 0.999, eps 1e-8, weight decay 1e-4. The decay applies to every
/// parameter, as optax's default mask does.
public struct AdamW: Optimizer, Codable {
    /// Learning rate.
    public var lr: Double
    /// First-moment decay.
    public var b1 = 0.9
    /// Second-moment decay.
    public var b2 = 0.999
    /// Denominator offset.
    public var eps = 1e-8
    /// Decoupled weight decay.
    public var weightDecay = 1e-4
    /// Steps taken.
    public private(set) var count = 0
    /// First moments.
    public private(set) var m: [Double] = []
    /// Second moments.
    public private(set) var v: [Double] = []

    /// AdamW with learning rate `lr`.
    public init(lr: Double, b1: Double = 0.9, b2: Double = 0.999, eps: Double = 1e-8, weightDecay: Double = 1e-4) {
        self.lr = lr; self.b1 = b1; self.b2 = b2; self.eps = eps; self.weightDecay = weightDecay
    }

    /// Checks the settings and the state (as read from a checkpoint) for `parameterCount`
    /// parameters: lr and eps finite and > 0, b1 and b2 in [0, 1), weight decay finite and ≥ 0,
    /// count ≥ 0, and the moments empty before the first step and `parameterCount` each after it
    /// (second moments ≥ 0). Throws an error naming the field and the value.
    public func validate(parameterCount: Int) throws {
        for (field, value) in [("lr", lr), ("eps", eps)] where !(value.isFinite && value > 0) {
            throw EventaxError.invalid(field: field, "must be a finite number > 0, got \(value)")
        }
        for (field, value) in [("b1", b1), ("b2", b2)] where !(value >= 0 && value < 1) {
            throw EventaxError.invalid(field: field, "must be in [0, 1), got \(value)")
        }
        guard weightDecay.isFinite, weightDecay >= 0 else { throw EventaxError.invalid(field: "weightDecay", "must be a finite number ≥ 0, got \(weightDecay)") }
        guard count >= 0 else { throw EventaxError.invalid(field: "count", "must be ≥ 0, got \(count)") }
        let expected = count == 0 ? 0 : parameterCount
        for (field, moments) in [("m", m), ("v", v)] where moments.count != expected {
            throw EventaxError.invalid(field: field, "has \(moments.count) values, expected \(expected) (\(count) steps taken, \(parameterCount) parameters)")
        }
        if let k = v.firstIndex(where: { !($0 >= 0) }) { throw EventaxError.invalid(field: "v[\(k)]", "must be ≥ 0, got \(v[k])") }
    }

    /// Updates `params` in place. The moments are created at the first step; after it, `params`
    /// and `grad` must keep their length (a checkpoint's optimizer is checked by ``validate(parameterCount:)``).
    public mutating func step(_ params: inout [Double], _ grad: [Double]) {
        if m.isEmpty {
            m = [Double](repeating: 0, count: params.count)
            v = m
        }
        precondition(m.count == params.count && v.count == params.count && grad.count == params.count,
                     "AdamW.step: \(params.count) parameters and \(grad.count) gradient entries for \(m.count) moments")
        count += 1
        let c1 = 1 - Foundation.pow(b1, Double(count)), c2 = 1 - Foundation.pow(b2, Double(count))
        for k in params.indices {
            m[k] = b1 * m[k] + (1 - b1) * grad[k]
            v[k] = b2 * v[k] + (1 - b2) * grad[k] * grad[k]
            let mHat = m[k] / c1, vHat = v[k] / c2
            params[k] -= lr * (mHat / (vHat.squareRoot() + eps) + weightDecay * params[k])
        }
    }
}

/// Scales `grad` so that its global L2 norm is at most `maxNorm` (optax's `clip_by_global_norm`).
/// Returns the norm before clipping. Entries must be finite: a NaN or infinite entry is an error
/// that names it (clipping would turn every entry into NaN or 0). When the sum of squares
/// overflows although every entry is finite, the norm is computed from the entries divided by the
/// largest magnitude, so huge gradients are still clipped to `maxNorm` rather than zeroed.
@discardableResult
public func clipByGlobalNorm(_ grad: inout [Double], maxNorm: Double) throws -> Double {
    guard maxNorm >= 0 else { throw EventaxError.invalid(field: "maxNorm", "must be ≥ 0, got \(maxNorm)") }
    if let k = grad.firstIndex(where: { !$0.isFinite }) {
        throw EventaxError.invalid(field: "gradient[\(k)]", "is \(grad[k]); its global norm is not finite")
    }
    var norm = grad.reduce(0) { $0 + $1 * $1 }.squareRoot()
    if !norm.isFinite {
        let largest = grad.reduce(0) { max($0, abs($1)) }
        norm = largest * grad.reduce(0) { $0 + ($1 / largest) * ($1 / largest) }.squareRoot()
    }
    if norm > maxNorm {
        let s = maxNorm / norm
        for k in grad.indices { grad[k] *= s }
    }
    return norm
}
