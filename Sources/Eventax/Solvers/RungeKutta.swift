/// A Butcher tableau laid out in raw memory for the stepping loop. A plain value (copying it
/// costs no reference counting); its owner (``KernelOps``) frees the memory with ``deallocate()``.
@usableFromInline
struct TableauData: @unchecked Sendable {
    @usableFromInline let s: Int
    /// s×s row-major stage coefficients.
    @usableFromInline let a: UnsafeMutablePointer<Double>
    @usableFromInline let b: UnsafeMutablePointer<Double>
    /// b − b̂, or zeros when there is no embedded pair.
    @usableFromInline let e: UnsafeMutablePointer<Double>
    @usableFromInline let hasError: Bool
    /// Exponent of the standard controller: 1 / (min(order, embedded order) + 1).
    @usableFromInline let errorExponent: Double
    /// Stages a step without error estimate needs: 1 + the last i with bᵢ ≠ 0 (Tsit5 and Dopri5
    /// skip their 7th stage, which only feeds the error estimate).
    @usableFromInline let solutionStages: Int
    /// First same as last: the last stage is evaluated at the step's result (aₛⱼ = bⱼ, bₛ = 0), so
    /// after an accepted step with error estimate it is the next step's first stage.
    @usableFromInline let fsal: Bool

    @usableFromInline init(_ t: ButcherTableau) {
        s = t.stages
        a = .allocate(capacity: s * s); a.initialize(repeating: 0, count: s * s)
        b = .allocate(capacity: s); e = .allocate(capacity: s)
        for i in 0..<s {
            for j in 0..<i { a[i * s + j] = t.a[i][j] }
            b[i] = t.b[i]
            e[i] = t.bError?[i] ?? 0
        }
        hasError = t.bError != nil
        errorExponent = 1 / Double(min(t.order, max(t.embeddedOrder, 1)) + 1)
        solutionStages = (t.b.lastIndex { $0 != 0 } ?? 0) + 1
        fsal = s >= 2 && t.b[s - 1] == 0 && t.a[s - 1] == Array(t.b.prefix(s - 1))
    }
    /// Frees the coefficient memory; the owner calls it once.
    @usableFromInline func deallocate() { a.deallocate(); b.deallocate(); e.deallocate() }
}

/// One explicit Runge–Kutta step of size `h` from `u` for any model and any scalar type:
/// out = u + h Σ bᵢ kᵢ, kᵢ = f(u + h Σⱼ aᵢⱼ kⱼ); `err` (optional) receives h Σ eᵢ kᵢ.
/// `k` holds s·n scalars, `tmp` n scalars. With `firstStageReady`, `k` already holds k₁ = f(u).
/// Without `err`, the stages after the last nonzero bᵢ are not evaluated.
@inlinable @inline(__always)
func rungeKuttaStep<M: NeuronModel, T: NeuronScalar>(
    _ model: M, _ tab: TableauData, n: Int, u: UnsafeMutablePointer<T>, p: Vars<T>, h: T,
    k: UnsafeMutablePointer<T>, tmp: UnsafeMutablePointer<T>, out: UnsafeMutablePointer<T>,
    err: UnsafeMutablePointer<T>?, firstStageReady: Bool = false
) {
    // Two- and three-state neurons (most built-in models) get their own inlined copy with n a
    // constant, so the loops over the state are unrolled; the arithmetic is the same.
    switch n {
    case 2: rungeKuttaStages(model, tab, n: 2, u: u, p: p, h: h, k: k, tmp: tmp, out: out, err: err, firstStageReady: firstStageReady)
    case 3: rungeKuttaStages(model, tab, n: 3, u: u, p: p, h: h, k: k, tmp: tmp, out: out, err: err, firstStageReady: firstStageReady)
    default: rungeKuttaStages(model, tab, n: n, u: u, p: p, h: h, k: k, tmp: tmp, out: out, err: err, firstStageReady: firstStageReady)
    }
}

/// The body of ``rungeKuttaStep``.
@inlinable @inline(__always)
func rungeKuttaStages<M: NeuronModel, T: NeuronScalar>(
    _ model: M, _ tab: TableauData, n: Int, u: UnsafeMutablePointer<T>, p: Vars<T>, h: T,
    k: UnsafeMutablePointer<T>, tmp: UnsafeMutablePointer<T>, out: UnsafeMutablePointer<T>,
    err: UnsafeMutablePointer<T>?, firstStageReady: Bool
) {
    // Index arithmetic walks pointers (no overflow checks in the loops); each sum runs in the
    // order of the stages, so every scalar type gets the same rounding.
    let s = tab.s
    for i in (firstStageReady ? 1 : 0)..<(err == nil ? tab.solutionStages : s) {
        let ki = k + i &* n
        if i == 0 {
            model.dynamics(Vars(u), p, Vars(ki))
        } else {
            let ai = tab.a + i &* s
            for q in 0..<n {
                var acc = T(0)
                var kjq = k + q
                for j in 0..<i {
                    let aij = ai[j]
                    if aij != 0 { acc = T.plusScaled(acc, aij, kjq.pointee) }
                    kjq += n
                }
                tmp[q] = u[q] + h * acc
            }
            model.dynamics(Vars(tmp), p, Vars(ki))
        }
    }
    for q in 0..<n {
        var acc = T(0)
        var kiq = k + q
        for i in 0..<s {
            let bi = tab.b[i]
            if bi != 0 { acc = T.plusScaled(acc, bi, kiq.pointee) }
            kiq += n
        }
        out[q] = u[q] + h * acc
    }
    if let err {
        for q in 0..<n {
            var acc = T(0)
            var kiq = k + q
            for i in 0..<s {
                let ei = tab.e[i]
                if ei != 0 { acc = T.plusScaled(acc, ei, kiq.pointee) }
                kiq += n
            }
            err[q] = h * acc
        }
    }
}
