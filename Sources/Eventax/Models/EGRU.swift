/// Continuous-time event-based gated recurrent unit (EGRU; Subramoney et al. 2023, in the
/// continuous-time form of Eventax's `EGRU`). A cell state c relaxes, gated by the update gate,
/// toward the modulation signal; three pre-activations relax to learnable biases.
///
///     u = σ(a_u)   r = σ(a_r)   z = tanh(a_z)
///     dc/dt   = u · (z − c) / tmem
///     da_x/dt = (b_x − a_x) / tsyn                  for x ∈ {u, r, z}
///     spike when c crosses thresh;  reset by subtraction c ← c − thresh
///     input spike with weights [w_u, w_r, w_z]:  a_u ← a_u + w_u,  a_r ← a_r + w_r,  a_z ← a_z + w_z·σ(a_r)
///     initial state c = a_u = a_r = a_z = 0
///
/// A synapse carries three weights, in the order [w_u, w_r, w_z]. The gate σ(a_r) on w_z is the
/// receiving neuron's reset gate just before the input (as in Eventax's code). Since |z| < 1, c
/// stays in (−1, 1) and the unit can only spike if thresh < 1. Learnable by default: b_u, b_r, b_z
/// (thresh is fixed, as in Eventax).
///
/// Differences from Eventax's `egru.py`: the defaults of b_u, b_r, b_z are Eventax's bias means
/// (−2, 1, 0) instead of draws around them; there is no clip of c below thresh after the reset (a
/// safety net for missed events there; here every crossing is located, so c ← 0 at a spike).
/// Eventax's documentation page writes the input jumps with the presynaptic factors c_n(t⁻) and
/// r_n and a reset to c = 0; this model follows its code (postsynaptic r, no c factor, subtraction).
public struct EGRU: NeuronModel {
    /// An EGRU model.
    public init() {}
    public var stateNames: [String] { ["c", "a_u", "a_r", "a_z"] }
    public var parameters: [ParameterSpec] {
        [.init("tmem", 20, .positive), .init("tsyn", 5, .positive), .init("thresh", 0.5),
         .init("b_u", -2), .init("b_r", 1), .init("b_z", 0)]
    }
    /// The three bias attractors.
    public var defaultLearnable: [String] { ["b_u", "b_r", "b_z"] }
    /// [w_u, w_r, w_z].
    public var weightsPerSynapse: Int { 3 }

    @inlinable public func initialState<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) {
        s[0] = T(0); s[1] = T(0); s[2] = T(0); s[3] = T(0)
    }
    @inlinable @inline(__always) public func dynamics<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>, _ ds: Vars<T>) {
        let c = s[0], aU = s[1], aR = s[2], aZ = s[3]
        let tmem = p[0], tsyn = p[1], bU = p[3], bR = p[4], bZ = p[5]
        let u = T.sigmoid(aU), z = T.tanh(aZ)
        ds[0] = u * (z - c) / tmem
        ds[1] = (bU - aU) / tsyn
        ds[2] = (bR - aR) / tsyn
        ds[3] = (bZ - aZ) / tsyn
    }
    @inlinable @inline(__always) public func spikeCondition<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) -> T {
        let c = s[0], thresh = p[2]
        return c - thresh
    }
    @inlinable public func inputJump<T: NeuronScalar>(_ s: Vars<T>, _ w: Vars<T>, _ p: Vars<T>) {
        let aU = s[1], aR = s[2], aZ = s[3]
        let wU = w[0], wR = w[1], wZ = w[2]
        let r = T.sigmoid(aR)
        s[1] = aU + wU
        s[2] = aR + wR
        s[3] = aZ + wZ * r
    }
    @inlinable public func reset<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) {
        let c = s[0], thresh = p[2]
        s[0] = c - thresh
    }
}
