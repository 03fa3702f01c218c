/// Wrapper that lets any model spike At Most One Spike per trial (Eventax's AMOS). It adds one
/// state, `spiked` (0 before the first spike, 1 after); once set, the spike condition is
/// constant −1. The wrapped model's reset still applies at the spike.
///
/// With `freeze`, the state stops evolving after the spike (every derivative is 0; input jumps
/// still apply), as Eventax's `freeze_dynamics`. A neuron that can no longer spike cannot change
/// any spike time, so spike-based readouts and losses are unchanged, but models whose voltage
/// runs away without a reset (Izhikevich, EIF: v → ∞ in finite time under a strong input) stay
/// finite, and their integration costs almost nothing after the spike.
public struct AMOS<Inner: NeuronModel>: NeuronModel {
    /// The wrapped model.
    public let inner: Inner
    /// Whether the dynamics stop after the spike.
    public let freeze: Bool
    /// Wraps `inner`; with `freeze`, its dynamics stop after its spike.
    public init(_ inner: Inner, freeze: Bool = false) { self.inner = inner; self.freeze = freeze }

    public var stateNames: [String] { inner.stateNames + ["spiked"] }
    public var parameters: [ParameterSpec] { inner.parameters }
    public var defaultLearnable: [String] { inner.defaultLearnable }
    public var observableNames: [String] { inner.observableNames }
    public var weightsPerSynapse: Int { inner.weightsPerSynapse }
    public var canSpike: Bool { inner.canSpike }
    public func completeParameters(_ p: inout [Double], given: Set<String>) { inner.completeParameters(&p, given: given) }

    @inlinable var flag: Int { inner.stateNames.count }

    @inlinable public func initialState<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) {
        inner.initialState(s, p)
        s[flag] = T(0)
    }
    @inlinable @inline(__always) public func dynamics<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>, _ ds: Vars<T>) {
        if freeze && s[flag].value > 0.5 {
            for q in 0...flag { ds[q] = T(0) }
            return
        }
        inner.dynamics(s, p, ds)
        ds[flag] = T(0)
    }
    @inlinable @inline(__always) public func spikeCondition<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) -> T {
        s[flag].value > 0.5 ? T(-1) : inner.spikeCondition(s, p)
    }
    @inlinable public func inputJump<T: NeuronScalar>(_ s: Vars<T>, _ w: Vars<T>, _ p: Vars<T>) { inner.inputJump(s, w, p) }
    @inlinable public func reset<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) {
        inner.reset(s, p)
        s[flag] = T(1)
    }
    @inlinable public func observe<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>, _ o: Vars<T>) { inner.observe(s, p, o) }
}
