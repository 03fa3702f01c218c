/// Multi-compartment dendrite neuron (Eventax paper §III-C6): a LIF soma driven by N dendritic
/// compartments, each with its own synaptic current and a voltage-dependent dendritic calcium
/// spike (dCaAP) whose amplitude shrinks for strong inputs, after the dCaAPs of human layer 2/3
/// pyramidal neurons (Gidon et al., Science 367:83, 2020). The dCaAP is switched on by a
/// Morris–Lecar (1981) activation function. `docs/multicompartment.md` derives the equations.
///
/// For dendrite k = 0 … N−1 and the soma (voltages in units of the soma threshold, time in ms):
///
///     m∞(x) = ½·(1 + tanh((x − v1)/v2))                   Morris–Lecar activation
///     a(i)  = σ((i − theta_att)/delta_att)                 strong-input detector (σ = logistic)
///     di_k/dt  = −i_k / tsyn_k
///     dvd_k/dt = (−vd_k + i_k + gca·m∞(vd_k)·h_k) / tdend_k
///     dh_k/dt  = (1 − h_k)/trec − h_k·(m∞(vd_k)/tinact + a(i_k)/tatt)
///     dv/dt    = (−v + ic + gc·Σ_k (vd_k − v)) / tmem
///     spike when v crosses thresh;  reset by subtraction v ← v − (thresh − vreset)
///     input spike with weights [w_0, …, w_{N−1}]:  i_k ← i_k + w_k for every k
///     initial state v = i_k = vd_k = 0, h_k = 1
///
/// h_k is the availability of dendrite k's dCaAP current. A synaptic drive i_k between the dCaAP
/// threshold and theta_att lets vd_k cross v1 and regenerate a dCaAP (amplitude about gca), which
/// inactivates itself over tinact; h_k then recovers over trec (refractoriness). A drive well
/// above theta_att inactivates h_k within about tatt, before the slower dendritic membrane
/// reaches v1, so a strong input evokes a small or no dCaAP: the dendrite's response is
/// non-monotone in input strength, and one dendrite computes XOR of two inputs.
///
/// A synapse carries one weight per dendrite (``weightsPerSynapse`` = N), so every connection
/// reaches every dendrite with its own weight. Parameters: tmem, thresh, vreset, ic, gc, gca, v1,
/// v2, theta_att, delta_att, tatt, tinact, trec (shared by the neuron's dendrites), then
/// tdend_0 … tdend_{N−1} and tsyn_0 … tsyn_{N−1}. States: v, i_0 … i_{N−1}, vd_0 … vd_{N−1},
/// h_0 … h_{N−1}. The paper's configurations have 7 and 14 dendrites.
///
/// Learnable by default: the time constant of every membrane (tmem, tdend_k) and of every
/// dendrite's synaptic current (tsyn_k), plus the bias ic. That is 6N + 3 derivative lanes
/// (states + learnable parameters + weights per synapse), beyond the 16 of the engine's dual
/// numbers from 3 dendrites on (the paper's 7: 45, its 14: 87), so the reverse pass records each
/// step and sweeps it backward (`RecordingKernel`), at a cost that does not grow with the lanes.
///
/// Differences from Eventax (whose model code and equations were not available to us): Eventax
/// gives every synaptic connection its own learnable time constant; the engine has no
/// per-synapse parameters, so here each dendrite has one synaptic current and time constant
/// (tsyn_k), shared by the connections reaching it. The dCaAP kinetics and all defaults are our
/// own derivation from Gidon et al. and Morris–Lecar; the dendrites drive the soma but the soma
/// does not feed back into them (its reset leaves them unchanged).
public struct MultiCompartment: NeuronModel {
    /// The number of dendritic compartments N (≥ 1).
    public let dendrites: Int
    /// v, i_0 … i_{N−1}, vd_0 … vd_{N−1}, h_0 … h_{N−1}.
    public var stateNames: [String] {
        let ks = 0..<dendrites
        return ["v"] + ks.map { "i_\($0)" } + ks.map { "vd_\($0)" } + ks.map { "h_\($0)" }
    }
    /// The shared parameters (``sharedParameterNames``), then tdend_0 … tdend_{N−1} and
    /// tsyn_0 … tsyn_{N−1}.
    public var parameters: [ParameterSpec] {
        let ks = 0..<dendrites
        return Self.sharedParameters
            + ks.map { ParameterSpec(Self.tdendName($0), Self.defaultTdend, .positive) }
            + ks.map { ParameterSpec(Self.tsynName($0), Self.defaultTsyn, .positive) }
    }
    /// The time constants of every membrane and synaptic current plus ic.
    public var defaultLearnable: [String] {
        let ks = 0..<dendrites
        return ["tmem"] + ks.map(Self.tdendName) + ks.map(Self.tsynName) + ["ic"]
    }

    /// The parameters every dendrite of a neuron shares, in storage order, with their defaults.
    public static let sharedParameters: [ParameterSpec] = [
        .init("tmem", 20, .positive), .init("thresh", 1), .init("vreset", 0), .init("ic", 0),
        .init("gc", 0.5), .init("gca", 6), .init("v1", 1), .init("v2", 0.2, .positive),
        .init("theta_att", 4), .init("delta_att", 0.3, .positive), .init("tatt", 0.2, .positive),
        .init("tinact", 20, .positive), .init("trec", 100, .positive),
    ]
    /// The names of ``sharedParameters``.
    public static var sharedParameterNames: [String] { sharedParameters.map(\.name) }
    /// The default dendritic membrane time constant tdend_k.
    public static let defaultTdend = 5.0
    /// The default synaptic time constant tsyn_k.
    public static let defaultTsyn = 5.0

    /// A neuron with `dendrites` compartments (the paper uses 7 and 14). Throws for fewer than one.
    public init(dendrites: Int) throws {
        guard dendrites >= 1 else {
            throw EventaxError.invalid(field: "dendrites", "must be ≥ 1, got \(dendrites)")
        }
        self.dendrites = dendrites
    }

    /// The name of dendrite k's membrane time constant, `tdend_k`.
    public static func tdendName(_ k: Int) -> String { "tdend_\(k)" }
    /// The name of dendrite k's synaptic time constant, `tsyn_k`.
    public static func tsynName(_ k: Int) -> String { "tsyn_\(k)" }

    /// One weight per dendrite: [w_0, …, w_{N−1}].
    public var weightsPerSynapse: Int { dendrites }

    // MARK: Layout

    /// State index of the soma voltage v.
    @usableFromInline static let somaIndex = 0
    /// State index of dendrite k's synaptic current i_k.
    @inlinable @inline(__always) func currentIndex(_ k: Int) -> Int { 1 + k }
    /// State index of dendrite k's voltage vd_k.
    @inlinable @inline(__always) func voltageIndex(_ k: Int) -> Int { 1 + dendrites + k }
    /// State index of dendrite k's dCaAP availability h_k.
    @inlinable @inline(__always) func availabilityIndex(_ k: Int) -> Int { 1 + 2 * dendrites + k }

    /// Parameter indices of the shared parameters (positions in ``sharedParameters``).
    @usableFromInline enum P {
        @usableFromInline static let tmem = 0, thresh = 1, vreset = 2, ic = 3, gc = 4, gca = 5, v1 = 6, v2 = 7
        @usableFromInline static let thetaAtt = 8, deltaAtt = 9, tatt = 10, tinact = 11, trec = 12
        @usableFromInline static let count = 13
    }
    /// Parameter index of tdend_k.
    @inlinable @inline(__always) func tdendIndex(_ k: Int) -> Int { P.count + k }
    /// Parameter index of tsyn_k.
    @inlinable @inline(__always) func tsynIndex(_ k: Int) -> Int { P.count + dendrites + k }

    /// The Morris–Lecar activation m∞(x) = ½·(1 + tanh((x − v1)/v2)).
    @inlinable @inline(__always)
    static func activation<T: NeuronScalar>(_ x: T, v1: T, v2: T) -> T {
        0.5 * (1.0 + T.tanh((x - v1) / v2))
    }

    // MARK: NeuronModel

    /// v = i_k = vd_k = 0 and h_k = 1 (every dCaAP channel available).
    @inlinable public func initialState<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) {
        s[Self.somaIndex] = T(0)
        for k in 0..<dendrites {
            s[currentIndex(k)] = T(0)
            s[voltageIndex(k)] = T(0)
            s[availabilityIndex(k)] = T(1)
        }
    }

    /// The soma and dendrite equations of the type's documentation.
    @inlinable @inline(__always) public func dynamics<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>, _ ds: Vars<T>) {
        let v = s[Self.somaIndex]
        let gc = p[P.gc], gca = p[P.gca], v1 = p[P.v1], v2 = p[P.v2]
        let thetaAtt = p[P.thetaAtt], deltaAtt = p[P.deltaAtt]
        let tatt = p[P.tatt], tinact = p[P.tinact], trec = p[P.trec]
        var coupling = T(0)
        for k in 0..<dendrites {
            let i = s[currentIndex(k)], vd = s[voltageIndex(k)], h = s[availabilityIndex(k)]
            let m = Self.activation(vd, v1: v1, v2: v2)
            let strong = T.sigmoid((i - thetaAtt) / deltaAtt)
            ds[currentIndex(k)] = -i / p[tsynIndex(k)]
            ds[voltageIndex(k)] = (i + gca * m * h - vd) / p[tdendIndex(k)]
            ds[availabilityIndex(k)] = (1.0 - h) / trec - h * (m / tinact + strong / tatt)
            coupling = coupling + (vd - v)
        }
        ds[Self.somaIndex] = (p[P.ic] + gc * coupling - v) / p[P.tmem]
    }

    /// v − thresh.
    @inlinable @inline(__always) public func spikeCondition<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) -> T {
        s[Self.somaIndex] - p[P.thresh]
    }

    /// i_k ← i_k + w_k for every dendrite k.
    @inlinable public func inputJump<T: NeuronScalar>(_ s: Vars<T>, _ w: Vars<T>, _ p: Vars<T>) {
        for k in 0..<dendrites { s[currentIndex(k)] = s[currentIndex(k)] + w[k] }
    }

    /// v ← v − (thresh − vreset); the dendrites are unchanged.
    @inlinable public func reset<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) {
        s[Self.somaIndex] = s[Self.somaIndex] - (p[P.thresh] - p[P.vreset])
    }
}
