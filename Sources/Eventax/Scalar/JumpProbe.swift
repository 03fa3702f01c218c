/// A scalar that traces which variables an expression is built from, to find out once per model
/// whether its input jump is *additive*: u⁺_q = u⁻_q + w_j for some states q and distinct weights j,
/// every other state unchanged, no parameter involved. The reverse of such a jump needs no
/// derivative evaluation (w̄_j = ū_q and ū passes through unchanged), so the engine skips the dual
/// numbers for it (``KernelOps/reverseJump(_:_:_:_:_:_:_:)``).
///
/// A probe records only the form of an expression, not its value. Reading ``value`` marks the
/// trace as unusable: a model that branches on the state could take another branch at another
/// state, so only code that never reads a value is traced.
@usableFromInline
struct JumpProbe: NeuronScalar, @unchecked Sendable {
    /// What an expression is.
    @usableFromInline enum Form: Equatable {
        /// State variable q, unchanged.
        case state(Int)
        /// Weight component j.
        case weight(Int)
        /// State q plus weight component j (one rounded addition).
        case statePlusWeight(Int, Int)
        /// Anything else: constants, parameters and every other operation.
        case other
    }

    /// Shared by all probes of one trace: whether any of them had its value read.
    @usableFromInline final class Trace { @usableFromInline var readValue = false; @usableFromInline init() {} }

    @usableFromInline let form: Form
    @usableFromInline let trace: Trace?

    @usableFromInline init(_ form: Form, _ trace: Trace?) { self.form = form; self.trace = trace }

    /// A constant.
    @usableFromInline init(_ value: Double) { self.init(.other, nil) }

    /// Not known to a probe: reading it marks the trace as unusable and returns NaN.
    @usableFromInline var value: Double {
        trace?.readValue = true
        return .nan
    }

    @usableFromInline func other(_ operand: JumpProbe? = nil) -> JumpProbe { JumpProbe(.other, trace ?? operand?.trace) }

    @usableFromInline static func + (l: JumpProbe, r: JumpProbe) -> JumpProbe {
        switch (l.form, r.form) {
        case let (.state(q), .weight(j)), let (.weight(j), .state(q)): JumpProbe(.statePlusWeight(q, j), l.trace ?? r.trace)
        default: l.other(r)
        }
    }
    @usableFromInline static func - (l: JumpProbe, r: JumpProbe) -> JumpProbe { l.other(r) }
    @usableFromInline static func * (l: JumpProbe, r: JumpProbe) -> JumpProbe { l.other(r) }
    @usableFromInline static func / (l: JumpProbe, r: JumpProbe) -> JumpProbe { l.other(r) }
    @usableFromInline static prefix func - (x: JumpProbe) -> JumpProbe { x.other() }
    @usableFromInline static func + (l: JumpProbe, r: Double) -> JumpProbe { l.other() }
    @usableFromInline static func + (l: Double, r: JumpProbe) -> JumpProbe { r.other() }
    @usableFromInline static func - (l: JumpProbe, r: Double) -> JumpProbe { l.other() }
    @usableFromInline static func - (l: Double, r: JumpProbe) -> JumpProbe { r.other() }
    @usableFromInline static func * (l: JumpProbe, r: Double) -> JumpProbe { l.other() }
    @usableFromInline static func * (l: Double, r: JumpProbe) -> JumpProbe { r.other() }
    @usableFromInline static func / (l: JumpProbe, r: Double) -> JumpProbe { l.other() }
    @usableFromInline static func / (l: Double, r: JumpProbe) -> JumpProbe { r.other() }
    @usableFromInline static func exp(_ x: JumpProbe) -> JumpProbe { x.other() }
    @usableFromInline static func log(_ x: JumpProbe) -> JumpProbe { x.other() }
    @usableFromInline static func sin(_ x: JumpProbe) -> JumpProbe { x.other() }
    @usableFromInline static func cos(_ x: JumpProbe) -> JumpProbe { x.other() }
    @usableFromInline static func sinCos(_ x: JumpProbe) -> (sin: JumpProbe, cos: JumpProbe) { (x.other(), x.other()) }
    @usableFromInline static func sinCosPi(_ x: JumpProbe) -> (sin: JumpProbe, cos: JumpProbe) { (x.other(), x.other()) }
    @usableFromInline static func tan(_ x: JumpProbe) -> JumpProbe { x.other() }
    @usableFromInline static func tanh(_ x: JumpProbe) -> JumpProbe { x.other() }
    @usableFromInline static func sqrt(_ x: JumpProbe) -> JumpProbe { x.other() }
    @usableFromInline static func sigmoid(_ x: JumpProbe) -> JumpProbe { x.other() }
    @usableFromInline static func pow(_ x: JumpProbe, _ exponent: Double) -> JumpProbe { x.other() }
    @usableFromInline static func plusScaled(_ a: JumpProbe, _ c: Double, _ x: JumpProbe) -> JumpProbe { a.other(x) }
}

/// For a model whose input jump is additive (see ``JumpProbe``), the state each weight component
/// is added to (−1: the component is unused); nil for any other jump. Traced once, with probes
/// for the state, the weights and the parameters.
@usableFromInline
func additiveJumpTargets<M: NeuronModel>(_ model: M) -> [Int]? {
    let n = model.stateNames.count, wps = model.weightsPerSynapse, np = model.parameters.count
    let trace = JumpProbe.Trace()
    let s = UnsafeMutablePointer<JumpProbe>.allocate(capacity: max(n, 1))
    let w = UnsafeMutablePointer<JumpProbe>.allocate(capacity: max(wps, 1))
    let p = UnsafeMutablePointer<JumpProbe>.allocate(capacity: max(np, 1))
    defer {
        s.deinitialize(count: n); w.deinitialize(count: wps); p.deinitialize(count: np)
        s.deallocate(); w.deallocate(); p.deallocate()
    }
    for q in 0..<n { (s + q).initialize(to: JumpProbe(.state(q), trace)) }
    for j in 0..<wps { (w + j).initialize(to: JumpProbe(.weight(j), trace)) }
    for k in 0..<np { (p + k).initialize(to: JumpProbe(.other, trace)) }
    model.inputJump(Vars(s), Vars(w), Vars(p))
    guard !trace.readValue else { return nil }
    var targets = [Int](repeating: -1, count: wps)
    for q in 0..<n {
        switch s[q].form {
        case .state(let q2) where q2 == q: continue
        case let .statePlusWeight(q2, j) where q2 == q && targets[j] < 0: targets[j] = q
        default: return nil
        }
    }
    return targets
}
