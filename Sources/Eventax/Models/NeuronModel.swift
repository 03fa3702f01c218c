/// A constraint a neuron parameter must satisfy; checked when a network is built.
public enum ParameterConstraint: Sendable {
    /// Any finite value.
    case finite
    /// A finite value > 0 (time constants).
    case positive
}

/// The name, default value and constraint of one neuron parameter.
public struct ParameterSpec: Sendable {
    /// The parameter's name, as used in network files and in `learnable` lists.
    public var name: String
    /// The value used when a network does not set it.
    public var defaultValue: Double
    /// What values are allowed.
    public var constraint: ParameterConstraint

    /// A parameter specification.
    public init(_ name: String, _ defaultValue: Double, _ constraint: ParameterConstraint = .finite) {
        self.name = name
        self.defaultValue = defaultValue
        self.constraint = constraint
    }
}

/// A neuron model: an ODE between events plus the discrete rules at events.
///
/// Write each function once, generic over ``NeuronScalar``; the engine runs it with `Double` to
/// simulate and with ``Dual`` numbers for the exact local derivatives of its reverse pass, so a
/// new model gets exact gradients with no extra code. State, parameters and weights arrive as
/// ``Vars`` views in the order of ``stateNames``, ``parameters`` and the synapse's weight vector.
/// Dynamics must be autonomous (no explicit time dependence).
public protocol NeuronModel: Sendable {
    /// Names of the state variables, in storage order.
    var stateNames: [String] { get }
    /// The model's parameters, in storage order.
    var parameters: [ParameterSpec] { get }
    /// Parameters learnable by default (a network may choose others).
    var defaultLearnable: [String] { get }
    /// Names of the observable channels reported by ``observe(_:_:_:)``.
    var observableNames: [String] { get }
    /// Number of weight components one synapse carries (1 for most models).
    var weightsPerSynapse: Int { get }
    /// Whether the model can spike at all (false for leaky integrators).
    var canSpike: Bool { get }
    /// Whether the engine may integrate several neurons of this model at once on ``Lanes4``:
    /// true only if no function reads ``NeuronScalar/value`` (branches on the state). Off by default.
    var supportsLockstep: Bool { get }

    /// Writes the state at t = 0 into `s`.
    func initialState<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>)
    /// Writes du/dt at state `s` into `ds`.
    func dynamics<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>, _ ds: Vars<T>)
    /// The spike condition; a spike is its upward zero crossing, during the flow or by an input jump.
    func spikeCondition<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) -> T
    /// Changes the state in place for an incoming spike carrying weight vector `w`. A jump that
    /// carries the spike condition from below zero to zero or above is a spike at the jump's time.
    func inputJump<T: NeuronScalar>(_ s: Vars<T>, _ w: Vars<T>, _ p: Vars<T>)
    /// Changes the state in place after the neuron spiked.
    func reset<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>)
    /// Writes the observable channels of state `s` into `o`.
    func observe<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>, _ o: Vars<T>)
    /// Fills parameters whose defaults depend on other parameters; `given` names those the user set.
    func completeParameters(_ p: inout [Double], given: Set<String>)
}

extension NeuronModel {
    /// By default the observables are the state variables.
    public var observableNames: [String] { stateNames }
    /// One weight per synapse.
    public var weightsPerSynapse: Int { 1 }
    /// Models spike unless they say otherwise.
    public var canSpike: Bool { true }
    /// Not unless the model says so.
    public var supportsLockstep: Bool { false }
    /// The bias current `ic` is learnable by default when the model has one.
    public var defaultLearnable: [String] { parameters.contains { $0.name == "ic" } ? ["ic"] : [] }
    /// By default the observables are the state variables.
    @inlinable
    public func observe<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>, _ o: Vars<T>) {
        for k in 0..<stateNames.count { o[k] = s[k] }
    }
    /// No derived defaults.
    public func completeParameters(_ p: inout [Double], given: Set<String>) {}
    /// The index of a parameter by name.
    public func parameterIndex(_ name: String) -> Int? { parameters.firstIndex { $0.name == name } }
}
