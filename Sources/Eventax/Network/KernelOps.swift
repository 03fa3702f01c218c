/// A model's engine operations behind closures built in a context where the model type is
/// concrete, so that each closure body is specialized code (a call through a generic class's
/// witness table would run unspecialized generic code, tens of times slower).
@usableFromInline
final class KernelOps: Sendable {
    @usableFromInline typealias P = UnsafeMutablePointer<Double>
    @usableFromInline typealias S = UnsafeMutableRawPointer

    @usableFromInline let scratchBytes: Int
    @usableFromInline let stateCount: Int
    @usableFromInline let learnableCount: Int
    @usableFromInline let weightsPerSynapse: Int
    @usableFromInline let observableCount: Int
    @usableFromInline let initialState: @Sendable (_ p: P, _ u: P) -> Void
    @usableFromInline let condition: @Sendable (_ u: P, _ p: P) -> Double
    @usableFromInline let extend: @Sendable (inout NeuronRuntime, inout NeuronTape, _ u: P, _ p: P, _ tmax: Double, _ horizon: Double, _ clip: Bool, _ maxSteps: Int, S) throws -> Bool
    @usableFromInline let rollback: @Sendable (_ T: Double, inout NeuronRuntime, inout NeuronTape, _ u: P, _ p: P, S) -> Void
    @usableFromInline let jump: @Sendable (_ u: P, _ w: P, _ p: P) -> Void
    @usableFromInline let reset: @Sendable (_ u: P, _ p: P) -> Void
    @usableFromInline let observe: @Sendable (_ u: P, _ p: P, _ tau: Double, _ obs: P, S) -> Void
    @usableFromInline let reverseStep: @Sendable (_ u: P, _ p: P, _ h: Double, _ spike: Bool, _ tbar: Double, _ ubar: P, _ pbar: P, S) -> Double
    @usableFromInline let reverseJump: @Sendable (_ uMinus: P, _ w: P, _ p: P, _ ubar: P, _ wbar: P, _ pbar: P, S) -> Void
    @usableFromInline let reverseReset: @Sendable (_ uMinus: P, _ p: P, _ ubar: P, _ pbar: P, S) -> Void
    @usableFromInline let reverseObserve: @Sendable (_ u: P, _ p: P, _ tau: Double, _ obar: P, _ ubar: P, _ pbar: P, S) -> Double
    @usableFromInline let reverseInitial: @Sendable (_ p: P, _ ubar: P, _ pbar: P, S) -> Void

    @inlinable
    init<M, L>(_ k: ModelKernel<M, L>) {
        scratchBytes = k.scratchBytes
        stateCount = k.n
        learnableCount = k.learnable.count
        weightsPerSynapse = k.wps
        observableCount = k.nObs
        initialState = { k.initialState($0, $1) }
        condition = { k.condition($0, $1) }
        extend = { try k.extend(&$0, &$1, $2, $3, tmax: $4, horizon: $5, clipAtHorizon: $6, maxSteps: $7, $8) }
        rollback = { k.rollback(to: $0, &$1, &$2, $3, $4, $5) }
        jump = { k.model.inputJump(Vars($0), Vars($1), Vars($2)) }
        reset = { k.model.reset(Vars($0), Vars($1)) }
        observe = { k.observe($0, $1, tau: $2, $3, $4) }
        reverseStep = { k.reverseStep($0, $1, h: $2, spike: $3, tbar: $4, $5, $6, $7) }
        reverseJump = { k.reverseJump($0, $1, $2, $3, $4, $5, $6) }
        reverseReset = { k.reverseReset($0, $1, $2, $3, $4) }
        reverseObserve = { k.reverseObserve($0, $1, tau: $2, $3, $4, $5, $6) }
        reverseInitial = { k.reverseInitial($0, $1, $2, $3) }
    }
}

/// Builds the specialized operations of model `M`, choosing the dual-lane width its reverse pass needs.
@inlinable
func makeKernelOps<M: NeuronModel>(_ model: M, solver: SolverConfig, learnable: [Int]) throws -> KernelOps {
    let tab = TableauData(solver.tableau)
    let lanes = model.stateNames.count + learnable.count + max(1, model.weightsPerSynapse)
    switch lanes {
    case ...2: return KernelOps(ModelKernel<M, SIMD2<Double>>(model: model, solver: solver, tableau: tab, learnable: learnable))
    case ...4: return KernelOps(ModelKernel<M, SIMD4<Double>>(model: model, solver: solver, tableau: tab, learnable: learnable))
    case ...8: return KernelOps(ModelKernel<M, SIMD8<Double>>(model: model, solver: solver, tableau: tab, learnable: learnable))
    case ...16: return KernelOps(ModelKernel<M, SIMD16<Double>>(model: model, solver: solver, tableau: tab, learnable: learnable))
    case ...32: return KernelOps(ModelKernel<M, SIMD32<Double>>(model: model, solver: solver, tableau: tab, learnable: learnable))
    case ...64: return KernelOps(ModelKernel<M, SIMD64<Double>>(model: model, solver: solver, tableau: tab, learnable: learnable))
    default:
        throw EventaxError.invalid(field: "learnable", "a neuron with \(model.stateNames.count) states and \(learnable.count) learnable parameters needs \(lanes) derivative lanes; at most 64 are supported")
    }
}
