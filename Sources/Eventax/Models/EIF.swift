import Foundation

/// Exponential integrate-and-fire neuron (Fourcaud-Trocmé et al. 2003) with a current synapse.
///
///     dv/dt = (EL − v + deltaT·exp((v − vT)/deltaT) + i + ic) / tmem      di/dt = −i / tsyn
///     spike when v crosses the cut-off vpeak; reset v ← vreset;  input spike: i ← i + w
///
/// The true threshold is at infinity; unless set, `vpeak` = vT − deltaT·ln(0.001/tmem), the
/// voltage from which the remaining time to divergence is about 0.001 (as in Eventax).
public struct EIF: NeuronModel {
    /// An EIF model.
    public init() {}
    /// No branches on the state: neurons may be integrated four at a time.
    public var supportsLockstep: Bool { true }
    public var stateNames: [String] { ["v", "i"] }
    public var parameters: [ParameterSpec] {
        [.init("tmem", 20, .positive), .init("tsyn", 5, .positive), .init("vT", 1), .init("deltaT", 0.2, .positive),
         .init("EL", 0), .init("vreset", 0), .init("vpeak", .nan), .init("ic", 0)]
    }
    public func completeParameters(_ p: inout [Double], given: Set<String>) {
        if !given.contains("vpeak") { p[6] = p[2] - p[3] * Foundation.log(0.001 / p[0]) }
    }

    @inlinable public func initialState<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) {
        let el = p[4]
        s[0] = el; s[1] = T(0)
    }
    @inlinable @inline(__always) public func dynamics<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>, _ ds: Vars<T>) {
        let v = s[0], i = s[1]
        let tmem = p[0], tsyn = p[1], vT = p[2], deltaT = p[3], el = p[4], ic = p[7]
        ds[0] = (el - v + deltaT * T.exp((v - vT) / deltaT) + i + ic) / tmem
        ds[1] = -i / tsyn
    }
    @inlinable @inline(__always) public func spikeCondition<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) -> T {
        let v = s[0], vpeak = p[6]
        return v - vpeak
    }
    @inlinable public func inputJump<T: NeuronScalar>(_ s: Vars<T>, _ w: Vars<T>, _ p: Vars<T>) {
        s[1] = s[1] + w[0]
    }
    @inlinable public func reset<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) {
        let vreset = p[5]
        s[0] = vreset
    }
}
