/// Izhikevich (2003) two-variable neuron with an exponential current synapse.
///
///     dv/dt = 0.04 v² + 5 v + 140 − u + i + ic      du/dt = a (b v − u)      di/dt = −i / tau_syn
///     spike when v crosses v_thresh; reset v ← v − (v_thresh − c) (= c at the event), u ← u + d
///     initial v = c, u = b·c;  input spike: i ← i + w
public struct Izhikevich: NeuronModel {
    /// An Izhikevich model.
    public init() {}
    /// No branches on the state: neurons may be integrated four at a time.
    public var supportsLockstep: Bool { true }
    public var stateNames: [String] { ["v", "u", "i"] }
    public var parameters: [ParameterSpec] {
        [.init("a", 0.02), .init("b", 0.2), .init("c", -51), .init("d", 2), .init("v_thresh", 30),
         .init("tau_syn", 5, .positive), .init("ic", 0)]
    }

    @inlinable public func initialState<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) {
        let b = p[1], c = p[2]
        s[0] = c; s[1] = b * c; s[2] = T(0)
    }
    @inlinable @inline(__always) public func dynamics<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>, _ ds: Vars<T>) {
        let v = s[0], u = s[1], i = s[2]
        let a = p[0], b = p[1], tauSyn = p[5], ic = p[6]
        ds[0] = 0.04 * v * v + 5.0 * v + 140.0 - u + i + ic
        ds[1] = a * (b * v - u)
        ds[2] = -i / tauSyn
    }
    @inlinable @inline(__always) public func spikeCondition<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) -> T {
        let v = s[0], vThresh = p[4]
        return v - vThresh
    }
    @inlinable public func inputJump<T: NeuronScalar>(_ s: Vars<T>, _ w: Vars<T>, _ p: Vars<T>) {
        s[2] = s[2] + w[0]
    }
    @inlinable public func reset<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) {
        let c = p[2], d = p[3], vThresh = p[4]
        s[0] = s[0] - (vThresh - c)
        s[1] = s[1] + d
    }
}
