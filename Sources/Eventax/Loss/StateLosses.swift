import Foundation

/// Softmax cross-entropy over logits: loss and d loss / d logits.
public func softmaxCrossEntropy(logits z: [Double], label: Int) -> (loss: Double, gradient: [Double]) {
    let m = z.max() ?? 0
    let e = z.map { Foundation.exp($0 - m) }
    let sum = e.reduce(0, +)
    let loss = -(z[label] - m - Foundation.log(sum))
    return (loss, e.indices.map { e[$0] / sum - ($0 == label ? 1 : 0) })
}

/// Logits from the readout neurons' membrane potentials (paper Eq. 10–12).
public enum StateLogit: String, CaseIterable, Sendable, Codable {
    /// max over t of v(t), taken over an observation grid (see ``TrainingTask``).
    case max
    /// ∫₀ᵀ v dt, carried exactly as an extra ODE state of the readout.
    case integral
    /// ∫₀ᵀ e^{−t/T} v dt, carried exactly as extra ODE states of the readout.
    case expIntegral = "exp-integral"
}

/// A leaky-integrator readout that also integrates its potential: the integral ∫ v dt and the
/// exponentially weighted integral ∫ e^{−t/T} v dt are ODE states, so they are exact for the
/// solver's trajectory and differentiated like everything else. It never spikes.
///
///     dv/dt = (−v + i)/tmem    di/dt = −i/tsyn    dA/dt = v    dw/dt = −w/horizon    dE/dt = w·v
///     initial w = 1;  input spike: i ← i + w
public struct IntegratingLI: NeuronModel {
    /// A readout.
    public init() {}
    public var stateNames: [String] { ["v", "i", "area", "decay", "exp_area"] }
    public var parameters: [ParameterSpec] { [.init("tmem", 20, .positive), .init("tsyn", 5, .positive), .init("horizon", 30, .positive)] }
    public var canSpike: Bool { false }
    public var defaultLearnable: [String] { [] }
    public var observableNames: [String] { ["v", "area", "exp_area"] }

    @inlinable public func initialState<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) {
        s[0] = T(0); s[1] = T(0); s[2] = T(0); s[3] = T(1); s[4] = T(0)
    }
    @inlinable @inline(__always) public func dynamics<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>, _ ds: Vars<T>) {
        let v = s[0], i = s[1], decay = s[3]
        let tmem = p[0], tsyn = p[1], horizon = p[2]
        ds[0] = (i - v) / tmem
        ds[1] = -i / tsyn
        ds[2] = v
        ds[3] = -decay / horizon
        ds[4] = decay * v
    }
    @inlinable public func spikeCondition<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) -> T { T(-1) }
    @inlinable public func inputJump<T: NeuronScalar>(_ s: Vars<T>, _ w: Vars<T>, _ p: Vars<T>) { s[1] = s[1] + w[0] }
    @inlinable public func reset<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) {}
    @inlinable public func observe<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>, _ o: Vars<T>) {
        o[0] = s[0]; o[1] = s[2]; o[2] = s[4]
    }
}

/// Mean squared error on spike times (regression): loss and d loss / d times. A missing spike counts as `tmax`.
public func spikeTimeMSE(_ ttfs: [Double?], target: [Double], tmax: Double) -> (loss: Double, cotangent: [Double]) {
    var loss = 0.0
    var ct = [Double](repeating: 0, count: ttfs.count)
    for k in ttfs.indices {
        let d = (ttfs[k] ?? tmax) - target[k]
        loss += d * d / Double(ttfs.count)
        if ttfs[k] != nil { ct[k] = 2 * d / Double(ttfs.count) }
    }
    return (loss, ct)
}
