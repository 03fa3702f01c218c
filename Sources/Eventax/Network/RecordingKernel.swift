/// The engine's operations for a model whose reverse pass records each local computation (solver
/// step, jump, reset, observation, initial state) with ``Recorded`` scalars and sweeps it backward
/// once, instead of carrying one dual lane per state, learnable parameter and weight. Its cost
/// does not grow with the number of lanes, and it has no lane limit: the engine uses it for
/// neurons that need more than ``maxDerivativeLanes`` lanes. The forward operations are
/// ``ModelKernel``'s.
@usableFromInline
struct RecordingKernel<M: NeuronModel>: EngineKernel, @unchecked Sendable {
    @usableFromInline typealias R = Recorded

    /// The forward operations (their dual width only sizes the root finder's scratch).
    @usableFromInline let base: ModelKernel<M, SIMD2<Double>>
    /// Nodes a tape starts with (it grows when a computation records more).
    @usableFromInline let tapeCapacity: Int

    @inlinable
    init(model: M, solver: SolverConfig, tableau: TableauData, learnable: UnsafeBufferPointer<Int>) {
        base = ModelKernel(model: model, solver: solver, tableau: tableau, learnable: learnable)
        tapeCapacity = 64 * (tableau.s + 2) * max(base.n, 1)
    }

    @inlinable var model: M { base.model }
    @inlinable var n: Int { base.n }
    @inlinable var wps: Int { base.wps }
    @inlinable var nObs: Int { base.nObs }
    @inlinable var learnable: UnsafeBufferPointer<Int> { base.learnable }

    @inlinable var scratchBytes: Int {
        max(base.scratchBytes, scratchByteCount { base.reverseScratch($0, of: R.self).end })
    }

    // MARK: Forward (ModelKernel's)

    @inlinable func initialState(_ p: P, _ u: P) { base.initialState(p, u) }
    @inlinable func condition(_ u: P, _ p: P) -> Double { base.condition(u, p) }
    @inlinable
    func extend(_ rt: inout NeuronRuntime, _ tape: inout NeuronTape, _ u: P, _ p: P, tmax: Double, horizon: Double,
                clipAtHorizon: Bool, maxSteps: Int, _ scratch: S) throws -> Bool {
        try base.extend(&rt, &tape, u, p, tmax: tmax, horizon: horizon, clipAtHorizon: clipAtHorizon, maxSteps: maxSteps, scratch)
    }
    @inlinable
    func rollback(to T: Double, _ rt: inout NeuronRuntime, _ tape: inout NeuronTape, _ u: P, _ p: P, _ scratch: S) {
        base.rollback(to: T, &rt, &tape, u, p, scratch)
    }
    @inlinable
    func lockstep(_ rts: UnsafePointer<UnsafeMutablePointer<NeuronRuntime>>, _ tapes: UnsafePointer<UnsafeMutablePointer<NeuronTape>>,
                  _ us: UnsafePointer<P>, _ ps: UnsafePointer<P>, count: Int, tmax: Double, horizon: Double, _ scratch: S) -> Int {
        base.lockstep(rts, tapes, us, ps, count: count, tmax: tmax, horizon: horizon, scratch)
    }
    @inlinable func jump(_ u: P, _ w: P, _ p: P) { base.jump(u, w, p) }
    @inlinable func reset(_ u: P, _ p: P) { base.reset(u, p) }
    @inlinable func observe(_ u: P, _ p: P, tau: Double, _ obs: P, _ scratch: S) { base.observe(u, p, tau: tau, obs, scratch) }

    // MARK: Reverse

    /// Runs `body` with a fresh tape, freed afterwards.
    @inlinable
    func withTape<T>(_ body: (UnsafeMutablePointer<RecordingTape>) -> T) -> T {
        var tape = RecordingTape(capacity: tapeCapacity)
        let result = withUnsafeMutablePointer(to: &tape) { body($0) }
        tape.deallocate()
        return result
    }

    /// Loads the state as the tape's next `n` inputs.
    @inlinable @inline(__always)
    func recordState(_ u: P, _ ud: UnsafeMutablePointer<R>, _ t: UnsafeMutablePointer<RecordingTape>) {
        for q in 0..<n { ud[q] = .input(u[q], on: t) }
    }

    /// Loads the parameters: the learnable ones as the tape's next inputs (in learnable order),
    /// the others as constants.
    @inlinable @inline(__always)
    func recordParams(_ p: P, _ pd: UnsafeMutablePointer<R>, _ t: UnsafeMutablePointer<RecordingTape>) {
        for q in 0..<base.nParams { pd[q] = R(p[q]) }
        for idx in learnable { pd[idx] = .input(p[idx], on: t) }
    }

    /// Adds `adjoint` to the node of `x` (nothing for a constant).
    @inlinable @inline(__always)
    func seed(_ x: R, _ adjoint: Double, _ t: UnsafeMutablePointer<RecordingTape>) {
        if x.index >= 0 { t.pointee.adjoint[Int(x.index)] += adjoint }
    }

    /// The adjoint of input node `i` after a sweep.
    @inlinable @inline(__always)
    func inputAdjoint(_ i: Int, _ t: UnsafeMutablePointer<RecordingTape>) -> Double { t.pointee.adjoint[i] }

    /// Reverse of one solver step (see ``ModelKernel/reverseStep(_:_:h:spike:tbar:_:_:_:)``).
    @inlinable
    func reverseStep(_ u: P, _ p: P, h: Double, spike: Bool, tbar: Double, _ ubar: P, _ pbar: P, _ scratch: S) -> Double {
        let s = base.reverseScratch(scratch, of: R.self)
        let nl = learnable.count, hInput = n + nl
        return withTape { t in
            recordState(u, s.u, t)
            recordParams(p, s.p, t)
            let hd = R.input(h, on: t)
            rungeKuttaStep(model, base.tab, n: n, u: s.u, p: Vars(s.p), h: hd, k: s.k, tmp: s.tmp, out: s.out, err: nil)
            let g = spike ? model.spikeCondition(Vars(s.out), Vars(s.p)) : R(0)
            t.pointee.clearAdjoints()
            for q in 0..<n where ubar[q] != 0 { seed(s.out[q], ubar[q], t) }
            t.pointee.sweep()
            var hbar = inputAdjoint(hInput, t)
            for q in 0..<n { ubar[q] = inputAdjoint(q, t) }
            for l in 0..<nl { pbar[l] += inputAdjoint(n + l, t) }
            if spike {
                // h* solves g(Φ(u, θ, h*), θ) = 0, so dh*/dx = −g_x / g_h.
                t.pointee.clearAdjoints()
                seed(g, 1, t)
                t.pointee.sweep()
                let factor = -(hbar + tbar) / inputAdjoint(hInput, t)
                for q in 0..<n { ubar[q] += inputAdjoint(q, t) * factor }
                for l in 0..<nl { pbar[l] += inputAdjoint(n + l, t) * factor }
                hbar = 0
            }
            return hbar
        }
    }

    /// Reverse of an input jump (see ``ModelKernel/reverseJump(_:_:_:_:_:_:_:)``).
    @inlinable
    func reverseJump(_ uMinus: P, _ w: P, _ p: P, _ ubar: P, _ wbar: P, _ pbar: P, _ scratch: S) {
        let s = base.reverseScratch(scratch, of: R.self)
        withTape { t in
            recordState(uMinus, s.u, t)
            for q in 0..<wps { s.w[q] = .input(w[q], on: t) }
            recordParams(p, s.p, t)
            model.inputJump(Vars(s.u), Vars(s.w), Vars(s.p))
            sweepFromState(s.u, ubar, t)
            for q in 0..<n { ubar[q] = inputAdjoint(q, t) }
            for q in 0..<wps { wbar[q] += inputAdjoint(n + q, t) }
            for l in 0..<learnable.count { pbar[l] += inputAdjoint(n + wps + l, t) }
        }
    }

    /// Reverse of a reset (see ``ModelKernel/reverseReset(_:_:_:_:_:)``).
    @inlinable
    func reverseReset(_ uMinus: P, _ p: P, _ ubar: P, _ pbar: P, _ scratch: S) {
        let s = base.reverseScratch(scratch, of: R.self)
        withTape { t in
            recordState(uMinus, s.u, t)
            recordParams(p, s.p, t)
            model.reset(Vars(s.u), Vars(s.p))
            sweepFromState(s.u, ubar, t)
            for q in 0..<n { ubar[q] = inputAdjoint(q, t) }
            for l in 0..<learnable.count { pbar[l] += inputAdjoint(n + l, t) }
        }
    }

    /// Reverse of an observation (see ``ModelKernel/reverseObserve(_:_:tau:_:_:_:_:)``).
    @inlinable
    func reverseObserve(_ u: P, _ p: P, tau: Double, _ obar: P, _ ubar: P, _ pbar: P, _ scratch: S) -> Double {
        let s = base.reverseScratch(scratch, of: R.self)
        let nl = learnable.count
        return withTape { t in
            recordState(u, s.u, t)
            recordParams(p, s.p, t)
            let taud = R.input(tau, on: t)
            rungeKuttaStep(model, base.tab, n: n, u: s.u, p: Vars(s.p), h: taud, k: s.k, tmp: s.tmp, out: s.out, err: nil)
            model.observe(Vars(s.out), Vars(s.p), Vars(s.o))
            t.pointee.clearAdjoints()
            for c in 0..<nObs where obar[c] != 0 { seed(s.o[c], obar[c], t) }
            t.pointee.sweep()
            for q in 0..<n { ubar[q] += inputAdjoint(q, t) }
            for l in 0..<nl { pbar[l] += inputAdjoint(n + l, t) }
            return inputAdjoint(n + nl, t)
        }
    }

    /// Reverse of the initial state (see ``ModelKernel/reverseInitial(_:_:_:_:)``).
    @inlinable
    func reverseInitial(_ p: P, _ ubar: P, _ pbar: P, _ scratch: S) {
        guard !learnable.isEmpty else { return }
        let s = base.reverseScratch(scratch, of: R.self)
        withTape { t in
            recordParams(p, s.p, t)
            for q in 0..<n { s.u[q] = R(0) }
            model.initialState(Vars(s.u), Vars(s.p))
            sweepFromState(s.u, ubar, t)
            for l in 0..<learnable.count { pbar[l] += inputAdjoint(l, t) }
        }
    }

    /// Seeds the state's nodes with `ubar` and sweeps.
    @inlinable @inline(__always)
    func sweepFromState(_ ud: UnsafeMutablePointer<R>, _ ubar: P, _ t: UnsafeMutablePointer<RecordingTape>) {
        t.pointee.clearAdjoints()
        for q in 0..<n where ubar[q] != 0 { seed(ud[q], ubar[q], t) }
        t.pointee.sweep()
    }
}
