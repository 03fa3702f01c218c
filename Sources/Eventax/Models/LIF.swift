/// Leaky integrate-and-fire neuron with a current-based synapse.
///
///     dv/dt = (−v + i + ic) / tmem      di/dt = −i / tsyn
///     spike when v crosses thresh;  reset by subtraction v ← v − (thresh − vreset)
///     input spike of weight w:  i ← i + w
public struct LIF: NeuronModel {
    /// A LIF model.
    public init() {}
    /// No branches on the state: neurons may be integrated four at a time.
    public var supportsLockstep: Bool { true }
    public var stateNames: [String] { ["v", "i"] }
    public var parameters: [ParameterSpec] {
        [.init("tmem", 20, .positive), .init("tsyn", 5, .positive), .init("thresh", 1), .init("vreset", 0), .init("ic", 0)]
    }

    @inlinable public func initialState<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) {
        s[0] = T(0); s[1] = T(0)
    }
    @inlinable @inline(__always) public func dynamics<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>, _ ds: Vars<T>) {
        let v = s[0], i = s[1]
        let tmem = p[0], tsyn = p[1], ic = p[4]
        ds[0] = (i + ic - v) / tmem
        ds[1] = -i / tsyn
    }
    @inlinable @inline(__always) public func spikeCondition<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) -> T {
        let v = s[0], thresh = p[2]
        return v - thresh
    }
    @inlinable public func inputJump<T: NeuronScalar>(_ s: Vars<T>, _ w: Vars<T>, _ p: Vars<T>) {
        s[1] = s[1] + w[0]
    }
    @inlinable public func reset<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) {
        let thresh = p[2], vreset = p[3]
        s[0] = s[0] - (thresh - vreset)
    }
}

/// Leaky integrator: LIF without a threshold, the usual readout neuron. It never spikes.
///
///     dv/dt = (−v + i + ic) / tmem      di/dt = −i / tsyn      input spike: i ← i + w
public struct LI: NeuronModel {
    /// A leaky integrator.
    public init() {}
    /// No branches on the state: neurons may be integrated four at a time.
    public var supportsLockstep: Bool { true }
    public var stateNames: [String] { ["v", "i"] }
    public var parameters: [ParameterSpec] { [.init("tmem", 20, .positive), .init("tsyn", 5, .positive), .init("ic", 0)] }
    public var canSpike: Bool { false }
    public var defaultLearnable: [String] { [] }

    @inlinable public func initialState<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) {
        s[0] = T(0); s[1] = T(0)
    }
    @inlinable @inline(__always) public func dynamics<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>, _ ds: Vars<T>) {
        let v = s[0], i = s[1]
        let tmem = p[0], tsyn = p[1], ic = p[2]
        ds[0] = (i + ic - v) / tmem
        ds[1] = -i / tsyn
    }
    @inlinable public func spikeCondition<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) -> T { T(-1) }
    @inlinable public func inputJump<T: NeuronScalar>(_ s: Vars<T>, _ w: Vars<T>, _ p: Vars<T>) {
        s[1] = s[1] + w[0]
    }
    @inlinable public func reset<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) {}
}
