/// Wrapper that gives any model a refractory period: for `tref` after each spike the wrapped
/// dynamics are frozen and the neuron cannot spike; with `blockInput`, incoming spikes are also
/// ignored during that time. It adds one state, `since` (time since the last spike, dsince/dt = 1,
/// starting at `tref` so the neuron begins responsive) and the parameter `tref`.
///
/// The switch is evaluated on the state at every solver stage, so the computation stays a
/// deterministic function of its inputs; a step that straddles the end of the period integrates
/// across it with the frozen/unfrozen vector field at its stages (use small steps or adaptive
/// stepping where that matters).
public struct Refractory<Inner: NeuronModel>: NeuronModel {
    /// The wrapped model.
    public let inner: Inner
    /// Whether inputs are ignored during the refractory period.
    public let blockInput: Bool
    /// Wraps `inner`.
    public init(_ inner: Inner, blockInput: Bool = false) { self.inner = inner; self.blockInput = blockInput }

    public var stateNames: [String] { inner.stateNames + ["since"] }
    public var parameters: [ParameterSpec] { inner.parameters + [.init("tref", 1, .positive)] }
    public var defaultLearnable: [String] { inner.defaultLearnable }
    public var observableNames: [String] { inner.observableNames }
    public var weightsPerSynapse: Int { inner.weightsPerSynapse }
    public var canSpike: Bool { inner.canSpike }
    public func completeParameters(_ p: inout [Double], given: Set<String>) { inner.completeParameters(&p, given: given) }

    @inlinable var since: Int { inner.stateNames.count }
    @inlinable var tref: Int { inner.parameters.count }

    @inlinable public func initialState<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) {
        inner.initialState(s, p)
        s[since] = p[tref]
    }
    @inlinable @inline(__always) public func dynamics<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>, _ ds: Vars<T>) {
        if s[since].value < p[tref].value {
            for k in 0..<since { ds[k] = T(0) }
        } else {
            inner.dynamics(s, p, ds)
        }
        ds[since] = T(1)
    }
    @inlinable @inline(__always) public func spikeCondition<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) -> T {
        s[since].value < p[tref].value ? T(-1) : inner.spikeCondition(s, p)
    }
    @inlinable public func inputJump<T: NeuronScalar>(_ s: Vars<T>, _ w: Vars<T>, _ p: Vars<T>) {
        if blockInput && s[since].value < p[tref].value { return }
        inner.inputJump(s, w, p)
    }
    @inlinable public func reset<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) {
        inner.reset(s, p)
        s[since] = T(0)
    }
    @inlinable public func observe<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>, _ o: Vars<T>) { inner.observe(s, p, o) }
}
