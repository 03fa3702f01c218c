/// Adaptive leaky integrate-and-fire neuron: a LIF with a current synapse whose threshold rises
/// with each spike and relaxes back (Bellec et al. 2018; Eventax's `ALIF`).
///
///     dv/dt = (−v + i + ic) / tmem      di/dt = −i / tsyn      da/dt = −a / tadapt
///     effective threshold θ = thresh + beta·a;  spike when v − θ crosses 0
///     reset:  v ← v − (θ − vreset)  (= vreset at the event),  then  a ← a + 1/tadapt
///     input spike of weight w:  i ← i + w;   initial state v = i = a = 0
///
/// `a` is an exponentially filtered spike rate (spikes per unit time), so each spike raises the
/// threshold by beta/tadapt (0.1 with the defaults) and the rise decays with time constant tadapt.
///
/// Relation to Eventax's `alif.py`: Eventax's state b is θ here (b = thresh + beta·a, b0 = thresh,
/// ta = tadapt) and its reset v ← v − b, b ← b + beta/ta is this reset with vreset = 0: the same
/// adaptation rule, reset by subtraction. Differences: Eventax has no synaptic current (an input
/// spike jumps v by rm·w directly; here it jumps i), has no vreset, and clips v below b after the
/// reset as a safety net for missed events (not needed here: the engine locates every crossing).
public struct ALIF: NeuronModel {
    /// An ALIF model.
    public init() {}
    /// No branches on the state: neurons may be integrated four at a time.
    public var supportsLockstep: Bool { true }
    public var stateNames: [String] { ["v", "i", "a"] }
    public var parameters: [ParameterSpec] {
        [.init("tmem", 20, .positive), .init("tsyn", 5, .positive), .init("tadapt", 200, .positive),
         .init("thresh", 1), .init("beta", 20), .init("vreset", 0), .init("ic", 0)]
    }

    @inlinable public func initialState<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) {
        s[0] = T(0); s[1] = T(0); s[2] = T(0)
    }
    @inlinable @inline(__always) public func dynamics<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>, _ ds: Vars<T>) {
        let v = s[0], i = s[1], a = s[2]
        let tmem = p[0], tsyn = p[1], tadapt = p[2], ic = p[6]
        ds[0] = (i + ic - v) / tmem
        ds[1] = -i / tsyn
        ds[2] = -a / tadapt
    }
    @inlinable @inline(__always) public func spikeCondition<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) -> T {
        let v = s[0], a = s[2]
        let thresh = p[3], beta = p[4]
        return v - (thresh + beta * a)
    }
    @inlinable public func inputJump<T: NeuronScalar>(_ s: Vars<T>, _ w: Vars<T>, _ p: Vars<T>) {
        s[1] = s[1] + w[0]
    }
    @inlinable public func reset<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) {
        let v = s[0], a = s[2]
        let tadapt = p[2], thresh = p[3], beta = p[4], vreset = p[5]
        s[0] = v - (thresh + beta * a - vreset)
        s[2] = a + 1.0 / tadapt
    }
}
