/// Quadratic integrate-and-fire neuron in phase form (Klos & Memmesheimer), with a bias current.
///
/// The phase φ = arctan(V/π)/π + ½ maps V ∈ (−∞, ∞) to φ ∈ (0, 1):
///
///     dφ/dt = [cos πφ · (cos πφ + sin(πφ)/π) + sin²(πφ) · (i + ic)/π²] / tmem
///     di/dt = −i / tsyn
///     spike at φ = 1, reset to φ = vreset (0), initial φ = ½;  input spike: i ← i + w
///     observables: V = π·tan(π(φ − ½)) and i
///
/// In V this is tmem·dV/dt = V² − V + i + ic, with a spike at V = +∞ and the reset to V = −∞
/// (for the default vreset 0); `EngineTests.qifClosedForm` checks the spike times against that form.
public struct QIF: NeuronModel {
    /// A QIF model.
    public init() {}
    /// No branches on the state: neurons may be integrated four at a time.
    public var supportsLockstep: Bool { true }
    /// 1/π and 1/π² (multiplications are cheaper than divisions in the hot loop).
    @inlinable public static var inversePi: Double { 0.3183098861837907 }
    /// 1/π².
    @inlinable public static var inversePiSquared: Double { 0.10132118364233778 }
    public var stateNames: [String] { ["phi", "i"] }
    public var observableNames: [String] { ["v", "i"] }
    public var parameters: [ParameterSpec] {
        [.init("tmem", 20, .positive), .init("tsyn", 5, .positive), .init("vreset", 0), .init("ic", 0)]
    }

    @inlinable public func initialState<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) {
        s[0] = T(0.5); s[1] = T(0)
    }
    @inlinable @inline(__always) public func dynamics<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>, _ ds: Vars<T>) {
        let phi = s[0], i = s[1]
        let tmem = p[0], tsyn = p[1], ic = p[3]
        let (sn, c) = T.sinCosPi(phi)
        let drive = sn * sn * (i + ic) * QIF.inversePiSquared
        ds[0] = (c * (c + sn * QIF.inversePi) + drive) / tmem
        ds[1] = -i / tsyn
    }
    @inlinable @inline(__always) public func spikeCondition<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) -> T {
        let phi = s[0]
        return phi - 1.0
    }
    @inlinable public func inputJump<T: NeuronScalar>(_ s: Vars<T>, _ w: Vars<T>, _ p: Vars<T>) {
        s[1] = s[1] + w[0]
    }
    @inlinable public func reset<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) {
        let vreset = p[2]
        s[0] = vreset
    }
    @inlinable public func observe<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>, _ o: Vars<T>) {
        let phi = s[0], i = s[1]
        o[0] = Double.pi * T.tan(Double.pi * (phi - 0.5))
        o[1] = i
    }
}
