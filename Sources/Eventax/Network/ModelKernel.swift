import Foundation

/// The operations the engine needs from one neuron model, with raw-pointer arguments: the forward
/// simulation (``ModelKernel``) and the local derivatives of the reverse pass (dual numbers in
/// ``ModelKernel``, a recorded sweep in ``RecordingKernel``). ``KernelOps`` turns a conforming
/// type into specialized functions.
@usableFromInline
protocol EngineKernel {
    typealias P = UnsafeMutablePointer<Double>
    typealias S = UnsafeMutableRawPointer
    var scratchBytes: Int { get }
    var n: Int { get }
    var wps: Int { get }
    var nObs: Int { get }
    var learnable: UnsafeBufferPointer<Int> { get }
    func initialState(_ p: P, _ u: P)
    func condition(_ u: P, _ p: P) -> Double
    func extend(_ rt: inout NeuronRuntime, _ tape: inout NeuronTape, _ u: P, _ p: P, tmax: Double, horizon: Double,
                clipAtHorizon: Bool, maxSteps: Int, _ scratch: S) throws -> Bool
    func rollback(to T: Double, _ rt: inout NeuronRuntime, _ tape: inout NeuronTape, _ u: P, _ p: P, _ scratch: S)
    func lockstep(_ rts: UnsafePointer<UnsafeMutablePointer<NeuronRuntime>>, _ tapes: UnsafePointer<UnsafeMutablePointer<NeuronTape>>,
                  _ us: UnsafePointer<P>, _ ps: UnsafePointer<P>, count: Int, tmax: Double, horizon: Double, _ scratch: S) -> Int
    func jump(_ u: P, _ w: P, _ p: P)
    func reset(_ u: P, _ p: P)
    func observe(_ u: P, _ p: P, tau: Double, _ obs: P, _ scratch: S)
    func reverseStep(_ u: P, _ p: P, h: Double, spike: Bool, tbar: Double, _ ubar: P, _ pbar: P, _ scratch: S) -> Double
    func reverseJump(_ uMinus: P, _ w: P, _ p: P, _ ubar: P, _ wbar: P, _ pbar: P, _ scratch: S)
    func reverseReset(_ uMinus: P, _ p: P, _ ubar: P, _ pbar: P, _ scratch: S)
    func reverseObserve(_ u: P, _ p: P, tau: Double, _ obar: P, _ ubar: P, _ pbar: P, _ scratch: S) -> Double
    func reverseInitial(_ p: P, _ ubar: P, _ pbar: P, _ scratch: S)
}

/// The engine's per-model operations, specialized for one model type `M` and one dual-lane width
/// `L` (≥ state count + learnable parameter count + max(1, weights per synapse)). Forward
/// operations run the model with `Double`; reverse operations run the same model code with
/// `Dual<L>` to get exact local Jacobians. Scratch memory comes from the caller's workspace.
/// The tableau and learnable indices are borrowed from the owning ``KernelOps``.
@usableFromInline
struct ModelKernel<M: NeuronModel, L: SIMD & Sendable>: EngineKernel, @unchecked Sendable where L.Scalar == Double {
    @usableFromInline typealias D = Dual<L>

    @usableFromInline let model: M
    @usableFromInline let tab: TableauData
    @usableFromInline let n: Int
    @usableFromInline let nParams: Int
    @usableFromInline let learnable: UnsafeBufferPointer<Int>
    @usableFromInline let wps: Int
    @usableFromInline let nObs: Int
    @usableFromInline let canSpike: Bool
    @usableFromInline let supportsLockstep: Bool
    @usableFromInline let dt: Double
    @usableFromInline let adaptive: AdaptiveConfig?
    /// Error norms below this make the standard controller's factor safety·err^(−icoeff·e) exceed
    /// factorMax by a margin (1e-6 relative in the error norm), so the factor is factorMax without
    /// computing the power; 0 when a proportional term is set.
    @usableFromInline let fullGrowthError: Double
    /// 1 / (icoeff · errorExponent) when that is a small integer and there is no proportional term
    /// (5 for the default controller with Tsit5 or Dopri5), else 0: then whether a shortened step's
    /// proposal is clamped at factorMax can be decided with multiplications instead of a `pow`.
    @usableFromInline let growthPower: Int
    /// Where the forward steps' Double arrays start in scratch: the bytes of the root finder's
    /// layout (``rootScratch(_:)``), set once at the end of `init`.
    @usableFromInline private(set) var doubleOffset = 0

    @inlinable
    init(model: M, solver: SolverConfig, tableau: TableauData, learnable: UnsafeBufferPointer<Int>) {
        self.model = model
        self.tab = tableau
        self.n = model.stateNames.count
        self.nParams = model.parameters.count
        self.learnable = learnable
        self.wps = model.weightsPerSynapse
        self.nObs = model.observableNames.count
        self.canSpike = model.canSpike
        self.supportsLockstep = model.supportsLockstep
        self.dt = solver.dt
        self.adaptive = solver.adaptive
        if let ad = solver.adaptive, ad.pcoeff == 0, ad.icoeff > 0, ad.factorMax > ad.safety {
            fullGrowthError = Foundation.pow(ad.safety / ad.factorMax, 1 / (ad.icoeff * tableau.errorExponent)) * (1 - 1e-6)
        } else {
            fullGrowthError = 0
        }
        if let ad = solver.adaptive, ad.pcoeff == 0, ad.icoeff > 0 {
            let power = 1 / (ad.icoeff * tableau.errorExponent)
            growthPower = power == power.rounded() && power >= 1 && power <= 12 ? Int(power) : 0
        } else {
            growthPower = 0
        }
        let kernel = self
        doubleOffset = scratchByteCount { kernel.rootScratch($0).end }
    }

    /// Bytes of scratch memory the operations need: the largest of the reverse pass' dual layout,
    /// the forward layout (behind the root finder's) and the lockstep layout.
    @inlinable var scratchBytes: Int {
        max(scratchByteCount { reverseScratch($0, of: D.self).end },
            scratchByteCount { forwardScratch($0).end },
            scratchByteCount { lockstepScratch($0).end })
    }

    /// The forward steps' arrays in scratch, behind the root finder's (``doubleOffset``).
    @inlinable @inline(__always)
    func forwardScratch(_ scratch: UnsafeMutableRawPointer) -> StepScratch<Double> {
        StepScratch(scratch + doubleOffset, stages: tab.s, states: n)
    }

    /// The root finder's dual arrays in scratch, at the front: root finding runs while a step's
    /// stages, in the forward arrays behind them, must survive.
    @inlinable @inline(__always)
    func rootScratch(_ scratch: UnsafeMutableRawPointer) -> StepScratch<Dual<SIMD2<Double>>> {
        StepScratch(scratch, stages: tab.s, states: n, parameters: nParams)
    }

    /// The lockstep's arrays in scratch.
    @inlinable @inline(__always)
    func lockstepScratch(_ scratch: UnsafeMutableRawPointer) -> LockstepScratch {
        LockstepScratch(scratch, stages: tab.s, states: n, parameters: nParams)
    }

    /// The reverse pass' arrays of element type `E` in scratch: dual numbers here, recorded
    /// scalars in ``RecordingKernel``.
    @inlinable @inline(__always)
    func reverseScratch<E>(_ scratch: UnsafeMutableRawPointer, of _: E.Type) -> StepScratch<E> {
        StepScratch(scratch, stages: tab.s, states: n, parameters: nParams, weights: max(wps, 1), observables: nObs)
    }

    // MARK: Forward

    @inlinable @inline(__always)
    func initialState(_ p: UnsafeMutablePointer<Double>, _ u: UnsafeMutablePointer<Double>) {
        model.initialState(Vars(u), Vars(p))
    }

    @inlinable @inline(__always)
    func condition(_ u: UnsafeMutablePointer<Double>, _ p: UnsafeMutablePointer<Double>) -> Double {
        canSpike ? model.spikeCondition(Vars(u), Vars(p)) : -1
    }

    /// Applies an input spike with weights `w`.
    @inlinable @inline(__always)
    func jump(_ u: UnsafeMutablePointer<Double>, _ w: UnsafeMutablePointer<Double>, _ p: UnsafeMutablePointer<Double>) {
        model.inputJump(Vars(u), Vars(w), Vars(p))
    }

    /// Resets after the neuron's own spike.
    @inlinable @inline(__always)
    func reset(_ u: UnsafeMutablePointer<Double>, _ p: UnsafeMutablePointer<Double>) { model.reset(Vars(u), Vars(p)) }

    /// A Double step of size h from u into out, with the stages in `fs`.
    @inlinable @inline(__always)
    func step(_ u: UnsafeMutablePointer<Double>, _ p: UnsafeMutablePointer<Double>, _ h: Double,
              _ out: UnsafeMutablePointer<Double>, _ err: UnsafeMutablePointer<Double>?, _ fs: StepScratch<Double>,
              firstStageReady: Bool = false) {
        rungeKuttaStep(model, tab, n: n, u: u, p: Vars(p), h: h, k: fs.k, tmp: fs.tmp, out: out, err: err,
                       firstStageReady: firstStageReady)
    }

    /// The spike condition along the step from u as a function of the step size τ, with dG/dτ.
    @inlinable
    func conditionAlongStep(_ u: UnsafeMutablePointer<Double>, _ p: UnsafeMutablePointer<Double>, _ tau: Double,
                            _ scratch: UnsafeMutableRawPointer) -> (Double, Double) {
        typealias D1 = Dual<SIMD2<Double>>
        let s = rootScratch(scratch)
        for q in 0..<n { s.u[q] = D1(u[q]) }
        for q in 0..<nParams { s.p[q] = D1(p[q]) }
        rungeKuttaStep(model, tab, n: n, u: s.u, p: Vars(s.p), h: D1(tau, seed: 0), k: s.k, tmp: s.tmp, out: s.out, err: nil)
        let g = model.spikeCondition(Vars(s.out), Vars(s.p))
        return (g.value, g.d[0])
    }

    /// The rate of change of the spike condition along the flow at `u`, where `f` = du/dt:
    /// ∇G(u)·f, from one dual evaluation of the condition.
    @inlinable
    func conditionRate(_ u: UnsafeMutablePointer<Double>, _ f: UnsafeMutablePointer<Double>, _ p: UnsafeMutablePointer<Double>,
                       _ scratch: UnsafeMutableRawPointer) -> Double {
        typealias D1 = Dual<SIMD2<Double>>
        let s = rootScratch(scratch)
        for q in 0..<n { s.u[q] = D1(value: u[q], d: SIMD2(f[q], 0)) }
        for q in 0..<nParams { s.p[q] = D1(p[q]) }
        return model.spikeCondition(Vars(s.u), Vars(s.p)).d[0]
    }

    /// The step size τ ∈ (0, h] at which the spike condition crosses zero upward, found by Newton
    /// iterations on the step function safeguarded by bisection, to near machine precision.
    /// The first guess is the root of the cubic Hermite interpolant of the condition through its
    /// values g0, g1 and rates r0, r1 (per unit time) at both ends of the step (the secant root
    /// when the rates are not finite); it only saves iterations, the result is the root of the
    /// step function either way.
    @inlinable
    func locateSpike(_ u: UnsafeMutablePointer<Double>, _ p: UnsafeMutablePointer<Double>, t0: Double, h: Double,
                     g0: Double, g1: Double, r0: Double, r1: Double, _ scratch: UnsafeMutableRawPointer) -> Double {
        var lo = 0.0, hi = h
        if g1 == 0 { return h }
        var tau = h * hermiteRoot(g0, g1, r0 * h, r1 * h)
        if !(tau > 0 && tau < h) { tau = 0.5 * h }
        let tol = 2 * (abs(t0) + h).ulp
        for _ in 0..<100 {
            let (g, dg) = conditionAlongStep(u, p, tau, scratch)
            if g == 0 { return tau }
            if g < 0 { lo = tau } else { hi = tau }
            var next = tau - g / dg
            if !(dg > 0) || !(next > lo && next < hi) { next = 0.5 * (lo + hi) }
            if abs(next - tau) <= tol || hi - lo <= tol {
                tau = next
                break
            }
            tau = next
        }
        return min(max(tau, 0), h)
    }

    /// The next step from a neuron's frontier: its size (the constant dt or the controller's
    /// proposal), cut to end at tmax and, with `clipAtHorizon`, at `horizon`; then it is recorded as
    /// `.clippedConstant` and `end` is where it ends exactly.
    @inlinable @inline(__always)
    func plannedStep(_ rt: NeuronRuntime, tmax: Double, horizon: Double, clipAtHorizon: Bool) -> (h: Double, kind: RecordKind, end: Double) {
        var h = adaptive == nil ? dt : rt.hProp
        var kind = RecordKind.regular, end = tmax
        if rt.t + h >= tmax { h = tmax - rt.t; kind = .clippedConstant }
        if clipAtHorizon && horizon < tmax && rt.t + h >= horizon {
            // The step ends where a delivery certainly arrives; that delivery's rollback marks
            // it `.clipped` (its size then depends on the delivery time), exactly as if the
            // step had overshot and been cut back, without computing the overshooting step.
            h = horizon - rt.t; kind = .clippedConstant; end = horizon
        }
        return (h, kind, end)
    }

    /// The size to retry with after the error test rejected a step of size `h` at time `t`
    /// (a non-finite error counts as 1e10); nil when it underflows.
    @inlinable @inline(__always)
    func retrySize(_ ad: AdaptiveConfig, h: Double, errNorm: Double, t: Double) -> Double? {
        let e = errNorm.isFinite ? errNorm : 1e10
        let retry = h * max(ad.factorMin, ad.safety * Foundation.pow(e, -tab.errorExponent))
        return retry < 1e-14 * max(1, abs(t)) ? nil : retry
    }

    /// The controller's error norm of a step from `u` to `out` with error estimate `err`: the RMS
    /// over the state of err / (atol + rtol · max(|u|, |out|)).
    @inlinable @inline(__always)
    func errorNorm(_ ad: AdaptiveConfig, _ u: UnsafeMutablePointer<Double>, _ out: UnsafeMutablePointer<Double>,
                   _ err: UnsafeMutablePointer<Double>) -> Double {
        var sum = 0.0
        for q in 0..<n {
            let sc = ad.atol + ad.rtol * max(abs(u[q]), abs(out[q]))
            let r = err[q] / sc
            sum += r * r
        }
        return (sum / Double(n)).squareRoot()
    }

    /// Whether h · safety · errNorm^(−1/power) exceeds hProp · factorMax by far more than rounding:
    /// errNorm < (safety · h / (hProp · factorMax))^power · (1 − 1e-6). The proposal after a
    /// shortened step is then clamped at hProp · factorMax.
    @inlinable @inline(__always)
    static func certainlyClamped(errNorm: Double, h: Double, hProp: Double, safety: Double, factorMax: Double, power: Int) -> Bool {
        let x = safety * h / (hProp * factorMax)
        var threshold = x
        for _ in 1..<power { threshold *= x }
        return errNorm < threshold * (1 - 1e-6)
    }

    /// The controller's next step size after an accepted step of size `h` (recorded as `kind`)
    /// with error norm `errNorm`, from the neuron's proposal before the step.
    @inlinable @inline(__always)
    func proposal(_ ad: AdaptiveConfig, h: Double, kind: RecordKind, errNorm: Double, _ rt: NeuronRuntime) -> Double {
        let e = tab.errorExponent
        // safety · err^(−(p+i)e) · errPrev^(pe); x^0 is exactly 1, so the default I
        // controller skips the second pow.
        func rawFactor() -> Double {
            errNorm == 0 ? .infinity
                : ad.safety * Foundation.pow(errNorm, -(ad.pcoeff + ad.icoeff) * e)
                    * (ad.pcoeff == 0 ? 1 : Foundation.pow(max(rt.errPrev, 1e-10), ad.pcoeff * e))
        }
        if kind == .clippedConstant && h < rt.hProp {
            // The step was shortened to end at tmax or at a known delivery: its error
            // tells how far a step may grow from h (the error scales as h^(1/e)), not from
            // the untried proposal, which stays within factorMin…factorMax of itself.
            if growthPower > 0 && Self.certainlyClamped(errNorm: errNorm, h: h, hProp: rt.hProp, safety: ad.safety,
                                                          factorMax: ad.factorMax, power: growthPower) {
                return min(ad.dtMax, rt.hProp * ad.factorMax)  // what the line below gives, without the `pow`
            }
            return min(ad.dtMax, min(rt.hProp * ad.factorMax, max(rt.hProp * ad.factorMin, h * rawFactor())))
        }
        let factor = errNorm < fullGrowthError ? ad.factorMax : min(ad.factorMax, max(ad.factorMin, rawFactor()))
        return min(ad.dtMax, h * factor)
    }

    /// Steps `count` (≤ 4) neurons at once toward `horizon`, on ``Lanes4``: lane l is the neuron
    /// with runtime `rts[l]`, tape `tapes[l]`, state `us[l]` and parameters `ps[l]`. Each lane takes
    /// the steps ``extend`` would take (clipping at `horizon`), recorded and applied bit for bit as
    /// there (a rejected attempt is retried smaller, as there), until it reaches `horizon` or
    /// tmax, or until a step would end in a spike (or a fixed step would not be finite): that lane
    /// is then left as it was before that step, for ``extend``, which repeats the same attempt.
    /// (A first-same-as-last stage equals f at the step's result bit for bit, so ``extend``
    /// starting afresh computes what a continued lane would.) Returns the number of steps committed.
    @inlinable
    func lockstep(_ rts: UnsafePointer<UnsafeMutablePointer<NeuronRuntime>>, _ tapes: UnsafePointer<UnsafeMutablePointer<NeuronTape>>,
                  _ us: UnsafePointer<UnsafeMutablePointer<Double>>, _ ps: UnsafePointer<UnsafeMutablePointer<Double>>,
                  count: Int, tmax: Double, horizon: Double, _ scratch: UnsafeMutableRawPointer) -> Int {
        guard supportsLockstep, count > 0 else { return 0 }
        let layout = lockstepScratch(scratch)
        let k = layout.k, tmp = layout.tmp, uV = layout.u, outV = layout.out, errV = layout.err, pV = layout.p
        let outL = layout.outLane, errL = layout.errLane, hs = layout.hs, ends = layout.ends, kinds = layout.kinds
        for l in 0..<4 { hs[l] = 0; ends[l] = 0; kinds[l] = RecordKind.regular.rawValue }
        var active = 0
        for l in 0..<4 {
            let src = min(l, count - 1)  // spare lanes repeat the last neuron; their results are dropped
            let u = us[src], p = ps[src]
            for q in 0..<n { uV[q].v[l] = u[q] }
            for q in 0..<nParams { pV[q].v[l] = p[q] }
            let t = rts[src].pointee.t
            if l < count && t < tmax && t < horizon { active |= 1 << l }
        }
        let reuseLastStage = adaptive != nil && tab.fsal
        var firstStageReady = false
        var committed = 0
        var retry = 0  // lanes whose last attempt was rejected: they try again with the smaller hs[l]
        // At most 64 attempts; leave as soon as no lane is active (a `where` clause would run the
        // remaining iterations empty: most calls commit one step per lane).
        for _ in 0..<64 {
            if active == 0 { break }
            for l in 0..<count where active & (1 << l) != 0 && retry & (1 << l) == 0 {
                let (h, kind, end) = plannedStep(rts[l].pointee, tmax: tmax, horizon: horizon, clipAtHorizon: true)
                hs[l] = h; ends[l] = end
                kinds[l] = kind.rawValue
            }
            rungeKuttaStep(model, tab, n: n, u: uV, p: Vars(pV), h: Lanes4(lanes: SIMD4(hs[0], hs[1], hs[2], hs[3])), k: k, tmp: tmp, out: outV,
                           err: adaptive == nil ? nil : errV, firstStageReady: firstStageReady)
            for l in 0..<count where active & (1 << l) != 0 {
                let rt = rts[l], u = us[l], p = ps[l]
                let h = hs[l], kind = RecordKind(rawValue: kinds[l])!
                for q in 0..<n { outL[q] = outV[q].v[l] }
                var errNorm = 0.0, hNext = dt
                if let ad = adaptive {
                    for q in 0..<n { errL[q] = errV[q].v[l] }
                    errNorm = errorNorm(ad, u, outL, errL)
                    guard errNorm <= 1 else {
                        // Rejected: shrink as `extend` does and try again (its first stage stays f(u)).
                        guard let hRetry = retrySize(ad, h: h, errNorm: errNorm, t: rt.pointee.t) else {
                            active &= ~(1 << l); continue  // `extend` reports the underflow
                        }
                        hs[l] = hRetry
                        kinds[l] = RecordKind.regular.rawValue
                        retry |= 1 << l
                        continue
                    }
                    retry &= ~(1 << l)
                    hNext = proposal(ad, h: h, kind: kind, errNorm: errNorm, rt.pointee)
                } else {
                    var finite = true
                    for q in 0..<n where !outL[q].isFinite { finite = false }
                    guard finite else { active &= ~(1 << l); continue }
                }
                var g1 = 0.0
                if canSpike {
                    g1 = model.spikeCondition(Vars(outL), Vars(p))
                    if rt.pointee.gPrev < 0 && g1 >= 0 { active &= ~(1 << l); continue }  // `extend` locates the spike
                }
                tapes[l].pointee.append(kind, t: rt.pointee.t, h: h, hNext: hNext, err: errNorm, state: u)
                for q in 0..<n { u[q] = outL[q]; uV[q].v[l] = outL[q] }
                if reuseLastStage { for q in 0..<n { k[q].v[l] = k[(tab.s - 1) * n + q].v[l] } }
                if canSpike { rt.pointee.gPrev = g1 }
                rt.pointee.t = kind == .clippedConstant ? ends[l] : rt.pointee.t + h
                rt.pointee.hProp = hNext; rt.pointee.errPrev = max(errNorm, 1e-10)
                committed += 1
                if rt.pointee.t >= horizon || rt.pointee.t >= tmax { active &= ~(1 << l) }
            }
            firstStageReady = reuseLastStage
        }
        return committed
    }

    /// Integrates one neuron from its frontier by at most `maxSteps` accepted steps, recording
    /// them on its tape, until it spikes (returns true; the frontier is then the spike time and the
    /// state the state at the spike), reaches `tmax`, or starts a step at or after `horizon`.
    @inlinable
    func extend(_ rt: inout NeuronRuntime, _ tape: inout NeuronTape, _ u: UnsafeMutablePointer<Double>,
                _ p: UnsafeMutablePointer<Double>, tmax: Double, horizon: Double, clipAtHorizon: Bool, maxSteps: Int,
                _ scratch: UnsafeMutableRawPointer) throws -> Bool {
        let fs = forwardScratch(scratch)
        let k = fs.k, out = fs.out, err = fs.err
        // Whether k holds f(u) for the current u: after a first attempt at a step (u unchanged), or
        // after an accepted step of a first-same-as-last tableau (its last stage is f(out)).
        var firstStageReady = false
        for _ in 0..<maxSteps {
            if rt.t >= tmax { rt.done = true; return false }
            if rt.t >= horizon { return false }
            var (h, kind, end) = plannedStep(rt, tmax: tmax, horizon: horizon, clipAtHorizon: clipAtHorizon)
            var hNext = dt, errNorm = 0.0
            if let ad = adaptive {
                while true {
                    step(u, p, h, out, err, fs, firstStageReady: firstStageReady)
                    firstStageReady = true
                    errNorm = errorNorm(ad, u, out, err)
                    if errNorm <= 1 { break }
                    guard let retry = retrySize(ad, h: h, errNorm: errNorm, t: rt.t) else {
                        throw EventaxError.integration("step size underflow at t = \(rt.t); the dynamics may diverge or the tolerances are too tight")
                    }
                    h = retry
                    kind = .regular
                }
                hNext = proposal(ad, h: h, kind: kind, errNorm: errNorm, rt)
            } else {
                // A step whose result is not finite (stages evaluated past a divergence, as in EIF
                // near its cut-off) is rejected and retried with half the size.
                while true {
                    step(u, p, h, out, nil, fs, firstStageReady: firstStageReady)
                    firstStageReady = true
                    var finite = true
                    for q in 0..<n where !out[q].isFinite { finite = false }
                    if finite { break }
                    h *= 0.5
                    kind = .regular
                    if h < 1e-14 * max(1, abs(rt.t)) {
                        throw EventaxError.integration("the state diverges at t = \(rt.t) even with a step of \(h); check the model and its parameters")
                    }
                }
            }
            tape.append(kind, t: rt.t, h: h, hNext: hNext, err: errNorm, state: u)
            if canSpike {
                let g1 = model.spikeCondition(Vars(out), Vars(p))
                if rt.gPrev < 0 && g1 >= 0 {
                    // Rates of the condition at both ends: f(u) is the first stage; f(out) the
                    // last stage of a first-same-as-last step with error estimate, else computed
                    // into tmp (free until the next step).
                    let fEnd: UnsafeMutablePointer<Double>
                    if adaptive != nil && tab.fsal {
                        fEnd = k + (tab.s - 1) * n
                    } else {
                        fEnd = fs.tmp
                        model.dynamics(Vars(out), Vars(p), Vars(fEnd))
                    }
                    let r0 = conditionRate(u, k, p, scratch), r1 = conditionRate(out, fEnd, p, scratch)
                    let tau = locateSpike(u, p, t0: rt.t, h: h, g0: rt.gPrev, g1: g1, r0: r0, r1: r1, scratch)
                    let r = tape.count - 1
                    tape.rec[r].kind = .spike
                    tape.rec[r].h = tau
                    step(u, p, tau, out, nil, fs, firstStageReady: true)
                    for q in 0..<n { u[q] = out[q] }
                    rt.t += tau
                    rt.gPrev = model.spikeCondition(Vars(u), Vars(p))
                    rt.hProp = hNext; rt.errPrev = max(errNorm, 1e-10)
                    rt.spikePending = true
                    return true
                }
                rt.gPrev = g1
            }
            for q in 0..<n { u[q] = out[q] }
            firstStageReady = adaptive != nil && tab.fsal
            if firstStageReady { for q in 0..<n { k[q] = k[(tab.s - 1) * n + q] } }
            rt.t = kind == .clippedConstant ? end : rt.t + h
            rt.hProp = hNext; rt.errPrev = max(errNorm, 1e-10)
        }
        if rt.t >= tmax { rt.done = true }
        return false
    }

    /// Rewinds a neuron's speculative steps to time `T` (≤ its frontier) and clips the step that
    /// contains `T`, so that its state is the state at `T` and the last step is owned by the event
    /// about to be recorded.
    @inlinable
    func rollback(to T: Double, _ rt: inout NeuronRuntime, _ tape: inout NeuronTape, _ u: UnsafeMutablePointer<Double>,
                  _ p: UnsafeMutablePointer<Double>, _ scratch: UnsafeMutableRawPointer) {
        rt.spikePending = false
        rt.done = false
        let last = tape.count - 1
        if tape.count == rt.specStart { return }  // nothing speculative: the state is already at T
        if rt.t == T && tape.rec[last].kind != .spike {
            tape.rec[last].kind = .clipped
            return
        }
        var j = last
        while j > rt.specStart && tape.rec[j].t > T { j -= 1 }
        let tj = tape.rec[j].t
        let hPropRestore: Double, errRestore: Double
        if T > tj {
            hPropRestore = tape.rec[j].hNext; errRestore = tape.rec[j].err
        } else if j > rt.specStart {
            hPropRestore = tape.rec[j - 1].hNext; errRestore = tape.rec[j - 1].err
        } else {
            hPropRestore = rt.hPropAtSegment; errRestore = rt.errPrevAtSegment
        }
        let uj = tape.u + j * tape.n
        for q in 0..<n { u[q] = uj[q] }
        let hNext = tape.rec[j].hNext, errJ = tape.rec[j].err
        tape.truncate(to: j)
        rt.t = tj
        if T > tj {
            let fs = forwardScratch(scratch), out = fs.out
            step(u, p, T - tj, out, nil, fs)
            tape.append(.clipped, t: tj, h: T - tj, hNext: hNext, err: errJ, state: u)
            for q in 0..<n { u[q] = out[q] }
            rt.t = T
        } else if j > rt.specStart {
            tape.rec[j - 1].kind = .clipped
        }
        rt.hProp = adaptive == nil ? dt : hPropRestore
        rt.errPrev = errRestore
    }

    /// The state at time t_k + τ on the step from `u` (the observation of a neuron at a time inside a step).
    @inlinable
    func observe(_ u: UnsafeMutablePointer<Double>, _ p: UnsafeMutablePointer<Double>, tau: Double,
                 _ obs: UnsafeMutablePointer<Double>, _ scratch: UnsafeMutableRawPointer) {
        let fs = forwardScratch(scratch), out = fs.out
        if tau > 0 { step(u, p, tau, out, nil, fs) } else { for q in 0..<n { out[q] = u[q] } }
        model.observe(Vars(out), Vars(p), Vars(obs))
    }

    // MARK: Reverse

    /// Loads parameters as duals, learnable ones seeded from lane `offset`.
    @inlinable @inline(__always)
    func seedParams(_ p: UnsafeMutablePointer<Double>, _ pd: UnsafeMutablePointer<D>, offset: Int) {
        for q in 0..<nParams { pd[q] = D(p[q]) }
        for (l, idx) in learnable.enumerated() { pd[idx] = D(p[idx], seed: offset + l) }
    }

    /// Adds lanes `offset..<offset+count` of `acc` into `dst`.
    @inlinable @inline(__always)
    func accumulate(_ acc: L, from offset: Int, count: Int, into dst: UnsafeMutablePointer<Double>) {
        for l in 0..<count { dst[l] += acc[offset + l] }
    }

    /// Reverse of one solver step from `u` with size `h`. On entry `ubar` is the adjoint of the
    /// step's end state; on exit the adjoint of its start state. Learnable-parameter adjoints are
    /// added to `pbar`. For a spike step, `tbar` is the adjoint of the spike time and the step size
    /// is differentiated through the implicit function theorem; otherwise the return value is the
    /// adjoint of the step size.
    @inlinable
    func reverseStep(_ u: UnsafeMutablePointer<Double>, _ p: UnsafeMutablePointer<Double>, h: Double, spike: Bool, tbar: Double,
                     _ ubar: UnsafeMutablePointer<Double>, _ pbar: UnsafeMutablePointer<Double>, _ scratch: UnsafeMutableRawPointer) -> Double {
        let s = reverseScratch(scratch, of: D.self)
        let nl = learnable.count, hLane = n + nl
        for q in 0..<n { s.u[q] = D(u[q], seed: q) }
        seedParams(p, s.p, offset: n)
        rungeKuttaStep(model, tab, n: n, u: s.u, p: Vars(s.p), h: D(h, seed: hLane), k: s.k, tmp: s.tmp, out: s.out, err: nil)
        var acc = L()
        for q in 0..<n where ubar[q] != 0 { acc += s.out[q].d * ubar[q] }
        var hbar = acc[hLane]
        if spike {
            let g = model.spikeCondition(Vars(s.out), Vars(s.p))
            let hbarTotal = hbar + tbar
            let gh = g.d[hLane]
            // h* solves g(Φ(u, θ, h*), θ) = 0, so dh*/dx = −g_x / g_h.
            acc += g.d * (-hbarTotal / gh)
            hbar = 0
        }
        for q in 0..<n { ubar[q] = acc[q] }
        accumulate(acc, from: n, count: nl, into: pbar)
        return hbar
    }

    /// Reverse of an input jump u⁺ = jump(u⁻, w): `ubar` goes from u⁺ to u⁻; weight and parameter
    /// adjoints are added to `wbar` and `pbar`.
    @inlinable
    func reverseJump(_ uMinus: UnsafeMutablePointer<Double>, _ w: UnsafeMutablePointer<Double>, _ p: UnsafeMutablePointer<Double>,
                     _ ubar: UnsafeMutablePointer<Double>, _ wbar: UnsafeMutablePointer<Double>, _ pbar: UnsafeMutablePointer<Double>,
                     _ scratch: UnsafeMutableRawPointer) {
        let s = reverseScratch(scratch, of: D.self)
        for q in 0..<n { s.u[q] = D(uMinus[q], seed: q) }
        for q in 0..<wps { s.w[q] = D(w[q], seed: n + q) }
        seedParams(p, s.p, offset: n + wps)
        model.inputJump(Vars(s.u), Vars(s.w), Vars(s.p))
        var acc = L()
        for q in 0..<n where ubar[q] != 0 { acc += s.u[q].d * ubar[q] }
        for q in 0..<n { ubar[q] = acc[q] }
        accumulate(acc, from: n, count: wps, into: wbar)
        accumulate(acc, from: n + wps, count: learnable.count, into: pbar)
    }

    /// Reverse of a reset u⁺ = reset(u⁻).
    @inlinable
    func reverseReset(_ uMinus: UnsafeMutablePointer<Double>, _ p: UnsafeMutablePointer<Double>,
                      _ ubar: UnsafeMutablePointer<Double>, _ pbar: UnsafeMutablePointer<Double>, _ scratch: UnsafeMutableRawPointer) {
        let s = reverseScratch(scratch, of: D.self)
        for q in 0..<n { s.u[q] = D(uMinus[q], seed: q) }
        seedParams(p, s.p, offset: n)
        model.reset(Vars(s.u), Vars(s.p))
        var acc = L()
        for q in 0..<n where ubar[q] != 0 { acc += s.u[q].d * ubar[q] }
        for q in 0..<n { ubar[q] = acc[q] }
        accumulate(acc, from: n, count: learnable.count, into: pbar)
    }

    /// Reverse of an observation o = observe(Φ(u, τ)): adds to `ubar` and `pbar`, returns τ̄.
    @inlinable
    func reverseObserve(_ u: UnsafeMutablePointer<Double>, _ p: UnsafeMutablePointer<Double>, tau: Double, _ obar: UnsafeMutablePointer<Double>,
                        _ ubar: UnsafeMutablePointer<Double>, _ pbar: UnsafeMutablePointer<Double>, _ scratch: UnsafeMutableRawPointer) -> Double {
        let s = reverseScratch(scratch, of: D.self)
        let nl = learnable.count, hLane = n + nl
        for q in 0..<n { s.u[q] = D(u[q], seed: q) }
        seedParams(p, s.p, offset: n)
        rungeKuttaStep(model, tab, n: n, u: s.u, p: Vars(s.p), h: D(tau, seed: hLane), k: s.k, tmp: s.tmp, out: s.out, err: nil)
        model.observe(Vars(s.out), Vars(s.p), Vars(s.o))
        var acc = L()
        for c in 0..<nObs where obar[c] != 0 { acc += s.o[c].d * obar[c] }
        for q in 0..<n { ubar[q] += acc[q] }
        accumulate(acc, from: n, count: nl, into: pbar)
        return acc[hLane]
    }

    /// Reverse of the initial state u₀ = init(θ): adds to `pbar`.
    @inlinable
    func reverseInitial(_ p: UnsafeMutablePointer<Double>, _ ubar: UnsafeMutablePointer<Double>, _ pbar: UnsafeMutablePointer<Double>,
                        _ scratch: UnsafeMutableRawPointer) {
        guard !learnable.isEmpty else { return }
        let s = reverseScratch(scratch, of: D.self)
        seedParams(p, s.p, offset: 0)
        model.initialState(Vars(s.u), Vars(s.p))
        var acc = L()
        for q in 0..<n where ubar[q] != 0 { acc += s.u[q].d * ubar[q] }
        accumulate(acc, from: 0, count: learnable.count, into: pbar)
    }
}

/// The root s ∈ (0, 1) of the cubic Hermite interpolant with values g0 < 0 ≤ g1 and slopes m0, m1
/// (per unit s) at 0 and 1, by safeguarded Newton iterations from the secant root; the secant root
/// itself when a slope is not finite.
@inlinable
func hermiteRoot(_ g0: Double, _ g1: Double, _ m0: Double, _ m1: Double) -> Double {
    var s = -g0 / (g1 - g0)
    guard m0.isFinite && m1.isFinite && s > 0 && s < 1 else { return s }
    var lo = 0.0, hi = 1.0
    for _ in 0..<12 {
        let s2 = s * s, s3 = s2 * s
        let value = g0 * (2 * s3 - 3 * s2 + 1) + m0 * (s3 - 2 * s2 + s) + g1 * (3 * s2 - 2 * s3) + m1 * (s3 - s2)
        let slope = (g1 - g0) * (6 * s - 6 * s2) + m0 * (3 * s2 - 4 * s + 1) + m1 * (3 * s2 - 2 * s)
        if value == 0 { return s }
        if value < 0 { lo = s } else { hi = s }
        var next = s - value / slope
        if !(next > lo && next < hi) { next = 0.5 * (lo + hi) }
        if abs(next - s) <= 1e-13 { return next }
        s = next
    }
    return s
}
