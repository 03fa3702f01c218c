import Foundation

/// Wrapper that makes positive parameters of any model learnable in log space, as Eventax's PLIF,
/// PQIF and pIzhikevich do: for each name x in `names`, the parameter x (> 0) is replaced by
///
///     log_x ∈ ℝ,   x = exp(log_x)
///
/// in the same position of the parameter list (default log of the inner default, constraint
/// `.finite`), and every model function calls the inner model with exp(log_x) substituted. A
/// gradient step on log_x can never make x ≤ 0, and it changes x by a relative amount, which suits
/// time constants that span orders of magnitude. Learnable by default: the log parameters plus
/// the inner model's defaults. States, weights and observables are the inner model's.
///
/// Networks set the values by their new names (`parameters: ["log_tmem": [log(10)]]`).
/// ``PLIF`` and ``PQIF`` name the common cases.
public struct LogTimeConstants<Inner: NeuronModel>: NeuronModel {
    /// The wrapped model.
    public let inner: Inner
    /// The inner parameters stored as logarithms.
    public let names: [String]
    /// Their positions in the (shared) parameter list.
    @usableFromInline let logIndices: [Int]
    /// The number of parameters.
    @usableFromInline let parameterCount: Int

    /// Wraps `inner`, storing the parameters `names` as logarithms. Each name must be a parameter
    /// of `inner` with a positive default.
    public init(_ inner: Inner, names: [String] = ["tmem", "tsyn"]) {
        let specs = inner.parameters
        var indices: [Int] = []
        for name in names {
            guard let k = specs.firstIndex(where: { $0.name == name }) else {
                preconditionFailure("LogTimeConstants: '\(name)' is not a parameter of \(Inner.self) (parameters: \(specs.map(\.name)))")
            }
            precondition(specs[k].defaultValue > 0, "LogTimeConstants: the default of '\(name)' must be > 0 to take its logarithm")
            if !indices.contains(k) { indices.append(k) }
        }
        self.inner = inner
        self.names = indices.map { specs[$0].name }
        self.logIndices = indices
        self.parameterCount = specs.count
    }

    /// The name a substituted parameter has in this model: `log_` + its inner name.
    public static func logName(_ name: String) -> String { "log_" + name }

    public var stateNames: [String] { inner.stateNames }
    /// The inner parameters, with each substituted x renamed `log_x` and its default log(default).
    public var parameters: [ParameterSpec] {
        var specs = inner.parameters
        for k in logIndices {
            specs[k] = ParameterSpec(Self.logName(specs[k].name), Foundation.log(specs[k].defaultValue), .finite)
        }
        return specs
    }
    /// The inner model's defaults plus the log parameters.
    public var defaultLearnable: [String] {
        let logNames = names.map(Self.logName)
        return inner.defaultLearnable.filter { !names.contains($0) } + logNames
    }
    public var observableNames: [String] { inner.observableNames }
    public var weightsPerSynapse: Int { inner.weightsPerSynapse }
    public var canSpike: Bool { inner.canSpike }

    /// Runs the inner model's derived defaults on the exponentiated values; a derived value of a
    /// substituted parameter is stored back as its logarithm.
    public func completeParameters(_ p: inout [Double], given: Set<String>) {
        var q = p
        for k in logIndices { q[k] = Foundation.exp(p[k]) }
        let before = q
        var innerGiven = given
        for name in names where given.contains(Self.logName(name)) {
            innerGiven.remove(Self.logName(name))
            innerGiven.insert(name)
        }
        inner.completeParameters(&q, given: innerGiven)
        for k in q.indices where q[k] != before[k] || q[k].isNaN != before[k].isNaN {
            p[k] = logIndices.contains(k) ? Foundation.log(q[k]) : q[k]
        }
    }

    /// Calls `body` with the inner model's parameter view: `p` with exp(log_x) in place of each
    /// log_x, in stack scratch (no heap allocation).
    @inlinable @inline(__always)
    func withInnerParameters<T: NeuronScalar, R>(_ p: Vars<T>, _ body: (Vars<T>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: T.self, capacity: parameterCount) { buffer in
            let q = buffer.baseAddress!
            q.initialize(from: p.base, count: parameterCount)
            defer { q.deinitialize(count: parameterCount) }
            for k in logIndices { q[k] = T.exp(p[k]) }
            return body(Vars(q))
        }
    }

    @inlinable public func initialState<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) {
        withInnerParameters(p) { inner.initialState(s, $0) }
    }
    @inlinable @inline(__always) public func dynamics<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>, _ ds: Vars<T>) {
        withInnerParameters(p) { inner.dynamics(s, $0, ds) }
    }
    @inlinable @inline(__always) public func spikeCondition<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) -> T {
        withInnerParameters(p) { inner.spikeCondition(s, $0) }
    }
    @inlinable public func inputJump<T: NeuronScalar>(_ s: Vars<T>, _ w: Vars<T>, _ p: Vars<T>) {
        withInnerParameters(p) { inner.inputJump(s, w, $0) }
    }
    @inlinable public func reset<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) {
        withInnerParameters(p) { inner.reset(s, $0) }
    }
    @inlinable public func observe<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>, _ o: Vars<T>) {
        withInnerParameters(p) { inner.observe(s, $0, o) }
    }
}

/// LIF with log-parameterized, learnable `log_tmem` and `log_tsyn` (Eventax's PLIF, with LIF's
/// reset by subtraction to vreset and no clip after it). ``LogTimeConstants/init()`` builds it.
public typealias PLIF = LogTimeConstants<LIF>
/// QIF with log-parameterized, learnable `log_tmem` and `log_tsyn` (Eventax's PQIF, except that
/// the phase resets to ``QIF``'s vreset, 0, where Eventax's PQIF resets it to −1).
public typealias PQIF = LogTimeConstants<QIF>

extension LogTimeConstants where Inner == LIF {
    /// A PLIF: LIF with `log_tmem`, `log_tsyn`.
    public init() { self.init(LIF(), names: ["tmem", "tsyn"]) }
}

extension LogTimeConstants where Inner == QIF {
    /// A PQIF: QIF with `log_tmem`, `log_tsyn`.
    public init() { self.init(QIF(), names: ["tmem", "tsyn"]) }
}
