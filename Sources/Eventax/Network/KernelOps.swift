/// A model's engine operations as functions built in a context where the model type is
/// concrete, so that each function body is specialized code (a call through a generic class's
/// witness table would run unspecialized generic code, tens of times slower). The functions take
/// the kernel as an explicit raw pointer and capture nothing: a capturing closure stored in a
/// shared object costs an atomic retain and release of its context on every call, which showed as
/// a third of the simulation time in profiles.
@usableFromInline
final class KernelOps: @unchecked Sendable {
    @usableFromInline typealias P = UnsafeMutablePointer<Double>
    @usableFromInline typealias S = UnsafeMutableRawPointer
    @usableFromInline typealias K = UnsafeRawPointer

    @usableFromInline let scratchBytes: Int
    @usableFromInline let stateCount: Int
    @usableFromInline let learnableCount: Int
    @usableFromInline let weightsPerSynapse: Int
    @usableFromInline let observableCount: Int
    /// The `ModelKernel` the functions operate on (owned; released in `deinit`).
    @usableFromInline let kernel: UnsafeMutableRawPointer
    @usableFromInline let destroy: (UnsafeMutableRawPointer) -> Void
    @usableFromInline let initialStateFn: (K, _ p: P, _ u: P) -> Void
    @usableFromInline let conditionFn: (K, _ u: P, _ p: P) -> Double
    @usableFromInline let extendFn: (K, inout NeuronRuntime, inout NeuronTape, _ u: P, _ p: P, _ tmax: Double, _ horizon: Double, _ clip: Bool, _ maxSteps: Int, S) throws -> Bool
    @usableFromInline let rollbackFn: (K, _ T: Double, inout NeuronRuntime, inout NeuronTape, _ u: P, _ p: P, S) -> Void
    @usableFromInline let lockstepFn: (K, UnsafePointer<UnsafeMutablePointer<NeuronRuntime>>, UnsafePointer<UnsafeMutablePointer<NeuronTape>>,
                                       _ us: UnsafePointer<P>, _ ps: UnsafePointer<P>, _ count: Int, _ tmax: Double, _ horizon: Double, S) -> Int
    @usableFromInline let jumpFn: (K, _ u: P, _ w: P, _ p: P) -> Void
    @usableFromInline let resetFn: (K, _ u: P, _ p: P) -> Void
    @usableFromInline let observeFn: (K, _ u: P, _ p: P, _ tau: Double, _ obs: P, S) -> Void
    @usableFromInline let reverseStepFn: (K, _ u: P, _ p: P, _ h: Double, _ spike: Bool, _ tbar: Double, _ ubar: P, _ pbar: P, S) -> Double
    @usableFromInline let reverseJumpFn: (K, _ uMinus: P, _ w: P, _ p: P, _ ubar: P, _ wbar: P, _ pbar: P, S) -> Void
    @usableFromInline let reverseResetFn: (K, _ uMinus: P, _ p: P, _ ubar: P, _ pbar: P, S) -> Void
    @usableFromInline let reverseObserveFn: (K, _ u: P, _ p: P, _ tau: Double, _ obar: P, _ ubar: P, _ pbar: P, S) -> Double
    @usableFromInline let reverseInitialFn: (K, _ p: P, _ ubar: P, _ pbar: P, S) -> Void

    /// The kernel's tableau (owned; deallocated in `deinit`).
    @usableFromInline let tableau: TableauData
    /// The kernel's learnable-parameter indices (owned; deallocated in `deinit`).
    @usableFromInline let learnableStorage: UnsafeMutableBufferPointer<Int>
    /// For a model with an additive input jump (``additiveJumpTargets(_:)``), the state each weight
    /// component is added to, −1 for an unused one (owned); nil otherwise. Jumps and their reverse
    /// then run inline.
    @usableFromInline let jumpTargets: UnsafeMutablePointer<Int>?

    /// The operations of `model` with `lanes`-wide duals for the reverse pass; builds and owns
    /// the solver's tableau. With `additiveJumps` (the default), an additive input jump is reversed
    /// without dual numbers; tests turn it off to compare the two.
    @inlinable
    convenience init<M: NeuronModel, L: SIMD & Sendable>(model: M, lanes: L.Type, solver: SolverConfig, learnable: [Int],
                                                        additiveJumps: Bool = true) where L.Scalar == Double {
        self.init(solver: solver, learnable: learnable, jumpTargets: additiveJumps ? additiveJumpTargets(model) : nil) {
            ModelKernel<M, L>(model: model, solver: solver, tableau: $0, learnable: $1)
        }
    }

    /// The operations of `model` with a recorded (reverse-mode) reverse pass, for any number of
    /// derivative lanes; builds and owns the solver's tableau.
    @inlinable
    convenience init<M: NeuronModel>(recording model: M, solver: SolverConfig, learnable: [Int], additiveJumps: Bool = true) {
        self.init(solver: solver, learnable: learnable, jumpTargets: additiveJumps ? additiveJumpTargets(model) : nil) {
            RecordingKernel(model: model, solver: solver, tableau: $0, learnable: $1)
        }
    }

    /// The operations of the kernel `make` builds on this object's tableau and learnable indices.
    @inlinable
    convenience init<MK: EngineKernel>(solver: SolverConfig, learnable: [Int], jumpTargets: [Int]?,
                                       _ make: (TableauData, UnsafeBufferPointer<Int>) -> MK) {
        let tableau = TableauData(solver.tableau)
        let storage = UnsafeMutableBufferPointer<Int>.allocate(capacity: learnable.count)
        _ = storage.initialize(from: learnable)
        self.init(make(tableau, UnsafeBufferPointer(storage)), tableau: tableau, learnableStorage: storage, jumpTargets: jumpTargets)
    }

    /// The operations of kernel `k`, which borrows `tableau` and `learnableStorage` (this object owns them).
    @inlinable
    init<MK: EngineKernel>(_ k: MK, tableau: TableauData, learnableStorage: UnsafeMutableBufferPointer<Int>, jumpTargets: [Int]?) {
        self.tableau = tableau
        self.learnableStorage = learnableStorage
        if let jumpTargets {
            let targets = UnsafeMutablePointer<Int>.allocate(capacity: max(jumpTargets.count, 1))
            targets.initialize(from: jumpTargets, count: jumpTargets.count)
            self.jumpTargets = targets
        } else {
            self.jumpTargets = nil
        }
        scratchBytes = k.scratchBytes
        stateCount = k.n
        learnableCount = k.learnable.count
        weightsPerSynapse = k.wps
        observableCount = k.nObs
        let box = UnsafeMutablePointer<MK>.allocate(capacity: 1)
        box.initialize(to: k)
        kernel = UnsafeMutableRawPointer(box)
        destroy = { let b = $0.assumingMemoryBound(to: MK.self); b.deinitialize(count: 1); b.deallocate() }
        initialStateFn = { $0.assumingMemoryBound(to: MK.self).pointee.initialState($1, $2) }
        conditionFn = { $0.assumingMemoryBound(to: MK.self).pointee.condition($1, $2) }
        extendFn = { try $0.assumingMemoryBound(to: MK.self).pointee.extend(&$1, &$2, $3, $4, tmax: $5, horizon: $6, clipAtHorizon: $7, maxSteps: $8, $9) }
        rollbackFn = { $0.assumingMemoryBound(to: MK.self).pointee.rollback(to: $1, &$2, &$3, $4, $5, $6) }
        lockstepFn = { $0.assumingMemoryBound(to: MK.self).pointee.lockstep($1, $2, $3, $4, count: $5, tmax: $6, horizon: $7, $8) }
        jumpFn = { $0.assumingMemoryBound(to: MK.self).pointee.jump($1, $2, $3) }
        resetFn = { $0.assumingMemoryBound(to: MK.self).pointee.reset($1, $2) }
        observeFn = { $0.assumingMemoryBound(to: MK.self).pointee.observe($1, $2, tau: $3, $4, $5) }
        reverseStepFn = { $0.assumingMemoryBound(to: MK.self).pointee.reverseStep($1, $2, h: $3, spike: $4, tbar: $5, $6, $7, $8) }
        reverseJumpFn = { $0.assumingMemoryBound(to: MK.self).pointee.reverseJump($1, $2, $3, $4, $5, $6, $7) }
        reverseResetFn = { $0.assumingMemoryBound(to: MK.self).pointee.reverseReset($1, $2, $3, $4, $5) }
        reverseObserveFn = { $0.assumingMemoryBound(to: MK.self).pointee.reverseObserve($1, $2, tau: $3, $4, $5, $6, $7) }
        reverseInitialFn = { $0.assumingMemoryBound(to: MK.self).pointee.reverseInitial($1, $2, $3, $4) }
    }

    deinit { destroy(kernel); learnableStorage.deallocate(); tableau.deallocate(); jumpTargets?.deallocate() }

    @inlinable @inline(__always) func initialState(_ p: P, _ u: P) { initialStateFn(kernel, p, u) }
    @inlinable @inline(__always) func condition(_ u: P, _ p: P) -> Double { conditionFn(kernel, u, p) }
    @inlinable @inline(__always)
    func extend(_ rt: inout NeuronRuntime, _ tape: inout NeuronTape, _ u: P, _ p: P, _ tmax: Double, _ horizon: Double,
                _ clip: Bool, _ maxSteps: Int, _ s: S) throws -> Bool {
        try extendFn(kernel, &rt, &tape, u, p, tmax, horizon, clip, maxSteps, s)
    }
    @inlinable @inline(__always)
    func rollback(_ T: Double, _ rt: inout NeuronRuntime, _ tape: inout NeuronTape, _ u: P, _ p: P, _ s: S) {
        rollbackFn(kernel, T, &rt, &tape, u, p, s)
    }
    /// ``ModelKernel/lockstep(_:_:_:_:count:tmax:horizon:_:)``.
    @inlinable @inline(__always)
    func lockstep(_ rts: UnsafePointer<UnsafeMutablePointer<NeuronRuntime>>, _ tapes: UnsafePointer<UnsafeMutablePointer<NeuronTape>>,
                  _ us: UnsafePointer<P>, _ ps: UnsafePointer<P>, count: Int, tmax: Double, horizon: Double, _ s: S) -> Int {
        lockstepFn(kernel, rts, tapes, us, ps, count, tmax, horizon, s)
    }
    /// Applies an input jump; an additive one (``jumpTargets``) inline, with the model's own
    /// rounding (one addition per weight component).
    @inlinable @inline(__always) func jump(_ u: P, _ w: P, _ p: P) {
        if let targets = jumpTargets {
            for j in 0..<weightsPerSynapse where targets[j] >= 0 { u[targets[j]] += w[j] }
        } else {
            jumpFn(kernel, u, w, p)
        }
    }
    @inlinable @inline(__always) func reset(_ u: P, _ p: P) { resetFn(kernel, u, p) }
    @inlinable @inline(__always) func observe(_ u: P, _ p: P, _ tau: Double, _ obs: P, _ s: S) { observeFn(kernel, u, p, tau, obs, s) }
    @inlinable @inline(__always)
    func reverseStep(_ u: P, _ p: P, _ h: Double, _ spike: Bool, _ tbar: Double, _ ubar: P, _ pbar: P, _ s: S) -> Double {
        reverseStepFn(kernel, u, p, h, spike, tbar, ubar, pbar, s)
    }
    /// Reverse of an input jump. An additive jump (``jumpTargets``) passes ū through and adds each
    /// weight's target-state adjoint to its w̄, without evaluating the jump: bit for bit what the dual
    /// or recorded evaluation gives for finite adjoints (their zero lanes come out as +0, and w̄
    /// never holds −0, as a sum that starts at +0 cannot).
    @inlinable @inline(__always)
    func reverseJump(_ uMinus: P, _ w: P, _ p: P, _ ubar: P, _ wbar: P, _ pbar: P, _ s: S) {
        if let targets = jumpTargets {
            for q in 0..<stateCount where ubar[q] == 0 { ubar[q] = 0 }
            for j in 0..<weightsPerSynapse where targets[j] >= 0 { wbar[j] += ubar[targets[j]] }
        } else {
            reverseJumpFn(kernel, uMinus, w, p, ubar, wbar, pbar, s)
        }
    }
    @inlinable @inline(__always)
    func reverseReset(_ uMinus: P, _ p: P, _ ubar: P, _ pbar: P, _ s: S) { reverseResetFn(kernel, uMinus, p, ubar, pbar, s) }
    @inlinable @inline(__always)
    func reverseObserve(_ u: P, _ p: P, _ tau: Double, _ obar: P, _ ubar: P, _ pbar: P, _ s: S) -> Double {
        reverseObserveFn(kernel, u, p, tau, obar, ubar, pbar, s)
    }
    @inlinable @inline(__always) func reverseInitial(_ p: P, _ ubar: P, _ pbar: P, _ s: S) { reverseInitialFn(kernel, p, ubar, pbar, s) }
}

/// The widest dual numbers (derivative lanes) the reverse pass uses. A neuron that needs more
/// lanes gets a recorded (reverse-mode) reverse pass instead, which has no lane limit. Measured
/// with `eventax bench --only multicompartment` (one thread, release build): duals are faster up to
/// 16 lanes (1.2–1.4× at 9 and 15 lanes), while 32- and 64-lane duals were 100–500× slower than
/// the recorded pass (27 lanes: 5 against 595 samples/s; 45 lanes: 0.9 against 509).
@usableFromInline let maxDerivativeLanes = 16

/// The derivative lanes a neuron of `model` with `learnableCount` learnable parameters needs:
/// its states, its learnable parameters and the larger of one (the step size) and its weights per synapse.
@inlinable
func derivativeLanes<M: NeuronModel>(_ model: M, learnableCount: Int) -> Int {
    model.stateNames.count + learnableCount + max(1, model.weightsPerSynapse)
}

/// Builds the specialized operations of model `M`: the narrowest dual numbers that fit its
/// derivative lanes, or the recorded reverse pass beyond ``maxDerivativeLanes``.
@inlinable
func makeKernelOps<M: NeuronModel>(_ model: M, solver: SolverConfig, learnable: [Int], additiveJumps: Bool = true) -> KernelOps {
    let lanes = derivativeLanes(model, learnableCount: learnable.count)
    switch lanes {
    case ...2: return KernelOps(model: model, lanes: SIMD2<Double>.self, solver: solver, learnable: learnable, additiveJumps: additiveJumps)
    case ...4: return KernelOps(model: model, lanes: SIMD4<Double>.self, solver: solver, learnable: learnable, additiveJumps: additiveJumps)
    case ...8: return KernelOps(model: model, lanes: SIMD8<Double>.self, solver: solver, learnable: learnable, additiveJumps: additiveJumps)
    case ...16: return KernelOps(model: model, lanes: SIMD16<Double>.self, solver: solver, learnable: learnable, additiveJumps: additiveJumps)
    default: return KernelOps(recording: model, solver: solver, learnable: learnable, additiveJumps: additiveJumps)
    }
}
