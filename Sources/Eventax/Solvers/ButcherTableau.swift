/// An explicit Runge–Kutta method as data: a Butcher tableau, optionally with an embedded
/// lower-order solution for error estimation. One generic stepping routine runs every tableau.
public struct ButcherTableau: Sendable {
    /// The method's name as used in network files (`"rk4"`, `"tsit5"`, …).
    public let name: String
    /// Strictly lower-triangular stage coefficients, row by row: `a[i]` has `i` entries.
    public let a: [[Double]]
    /// Weights of the propagated solution.
    public let b: [Double]
    /// Weights of the error estimate (b − b̂), if the method has an embedded pair.
    public let bError: [Double]?
    /// Order of the propagated solution.
    public let order: Int
    /// Order of the embedded solution (used by the step controller).
    public let embeddedOrder: Int

    /// Number of stages.
    public var stages: Int { b.count }

    /// A tableau; checks that the shapes agree.
    public init(name: String, a: [[Double]], b: [Double], bError: [Double]? = nil, order: Int, embeddedOrder: Int = 0) throws {
        guard !b.isEmpty, a.count == b.count, a.enumerated().allSatisfy({ $0.element.count == $0.offset }) else {
            throw EventaxError.invalid(field: "solver.tableau", "stage coefficients must be strictly lower triangular with one row per weight")
        }
        if let e = bError, e.count != b.count {
            throw EventaxError.invalid(field: "solver.tableau.bError", "has \(e.count) entries, expected \(b.count)")
        }
        self.name = name; self.a = a; self.b = b; self.bError = bError
        self.order = order; self.embeddedOrder = embeddedOrder
    }

    /// The built-in methods by name.
    public static func named(_ name: String) -> ButcherTableau? {
        switch name.lowercased() {
        case "euler": return euler
        case "heun": return heun
        case "midpoint": return midpoint
        case "rk4": return rk4
        case "bosh3": return bosh3
        case "tsit5": return tsit5
        case "dopri5": return dopri5
        default: return nil
        }
    }
    /// Names of the built-in methods.
    public static let builtInNames = ["euler", "heun", "midpoint", "rk4", "bosh3", "tsit5", "dopri5"]

    /// The built-in methods with an embedded error estimate (those that adaptive steps can use),
    /// as a phrase for error messages: "heun, bosh3, tsit5 or dopri5".
    static let adaptiveNamesPhrase: String = {
        let names = builtInNames.filter { named($0)?.bError != nil }
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }()

    /// Forward Euler (order 1).
    public static let euler = try! ButcherTableau(name: "euler", a: [[]], b: [1], order: 1)
    /// Heun's method (order 2) with an embedded Euler solution.
    public static let heun = try! ButcherTableau(name: "heun", a: [[], [1]], b: [0.5, 0.5], bError: [-0.5, 0.5], order: 2, embeddedOrder: 1)
    /// Explicit midpoint (order 2).
    public static let midpoint = try! ButcherTableau(name: "midpoint", a: [[], [0.5]], b: [0, 1], order: 2)
    /// Classic fourth-order Runge–Kutta.
    public static let rk4 = try! ButcherTableau(
        name: "rk4", a: [[], [0.5], [0, 0.5], [0, 0, 1]], b: [1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6], order: 4)
    /// Bogacki–Shampine 3(2).
    public static let bosh3 = try! ButcherTableau(
        name: "bosh3", a: [[], [0.5], [0, 0.75], [2.0 / 9, 1.0 / 3, 4.0 / 9]],
        b: [2.0 / 9, 1.0 / 3, 4.0 / 9, 0],
        bError: [2.0 / 9 - 7.0 / 24, 1.0 / 3 - 1.0 / 4, 4.0 / 9 - 1.0 / 3, -1.0 / 8], order: 3, embeddedOrder: 2)
    /// Dormand–Prince 5(4).
    public static let dopri5 = try! ButcherTableau(
        name: "dopri5",
        a: [[], [1.0 / 5], [3.0 / 40, 9.0 / 40], [44.0 / 45, -56.0 / 15, 32.0 / 9],
            [19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729],
            [9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656],
            [35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84]],
        b: [35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84, 0],
        bError: [35.0 / 384 - 5179.0 / 57600, 0, 500.0 / 1113 - 7571.0 / 16695, 125.0 / 192 - 393.0 / 640,
                 -2187.0 / 6784 + 92097.0 / 339200, 11.0 / 84 - 187.0 / 2100, -1.0 / 40],
        order: 5, embeddedOrder: 4)
    /// Tsitouras 5(4) (2011).
    public static let tsit5: ButcherTableau = {
        let b = [0.09646076681806523, 0.01, 0.4798896504144996, 1.379008574103742, -3.290069515436081, 2.324710524099774, 0]
        let bHat = [0.09468075576583945, 0.009183565540343254, 0.4877705284247616, 1.234297566930479,
                    -2.7077123499835256, 1.866628418170587, 1.0 / 66]
        return try! ButcherTableau(
            name: "tsit5",
            a: [[], [0.161], [-0.008480655492356989, 0.335480655492357],
                [2.8971530571054935, -6.359448489975075, 4.3622954328695815],
                [5.325864828439257, -11.748883564062828, 7.4955393428898365, -0.09249506636175525],
                [5.86145544294642, -12.92096931784711, 8.159367898576159, -0.071584973281401, -0.028269050394068383],
                Array(b.prefix(6))],
            b: b, bError: zip(b, bHat).map { $0 - $1 }, order: 5, embeddedOrder: 4)
    }()
}

/// How a neuron's ODE is integrated between events.
public struct SolverConfig: Sendable {
    /// The Runge–Kutta method.
    public var tableau: ButcherTableau
    /// The constant step, or the first step when adaptive.
    public var dt: Double
    /// Adaptive step-size control; `nil` means constant steps of `dt`.
    public var adaptive: AdaptiveConfig?

    /// A solver configuration.
    public init(tableau: ButcherTableau = .rk4, dt: Double = 0.05, adaptive: AdaptiveConfig? = nil) {
        self.tableau = tableau; self.dt = dt; self.adaptive = adaptive
    }

    /// The configuration that the `--solver`, `--dt` and `--rtol` options of the command-line tool
    /// name: adaptive steps with atol = rtol/100, or constant steps of `dt` when `rtol` is nil.
    /// Errors name the option and the value.
    public static func fromOptions(solver: String, dt: Double, rtol: Double?) throws -> SolverConfig {
        guard let tab = ButcherTableau.named(solver) else {
            throw EventaxError.invalid(field: "--solver", "unknown method \"\(solver)\" (known: \(ButcherTableau.builtInNames.joined(separator: ", ")))")
        }
        guard dt.isFinite, dt > 0 else { throw EventaxError.invalid(field: "--dt", "must be a finite number > 0, got \(dt)") }
        if let r = rtol, !(r.isFinite && r > 0) { throw EventaxError.invalid(field: "--rtol", "must be a finite number > 0, got \(r)") }
        if rtol != nil, tab.bError == nil {
            throw EventaxError.invalid(field: "--solver", "\(solver) has no embedded error estimate: adaptive steps (--rtol) need \(ButcherTableau.adaptiveNamesPhrase); --rtol 0 gives constant steps of --dt")
        }
        let config = SolverConfig(tableau: tab, dt: dt, adaptive: rtol.map { AdaptiveConfig(rtol: $0, atol: $0 * 1e-2) })
        try config.validate()
        return config
    }

    /// Checks the configuration and names the offending field.
    public func validate() throws {
        guard dt.isFinite, dt > 0 else { throw EventaxError.invalid(field: "solver.dt", "must be a finite number > 0, got \(dt)") }
        if let ad = adaptive {
            guard tableau.bError != nil else {
                throw EventaxError.invalid(field: "solver.method", "\(tableau.name) has no embedded error estimate; adaptive steps need \(ButcherTableau.adaptiveNamesPhrase)")
            }
            try ad.validate()
        }
    }
}

/// Adaptive step-size control from the embedded error estimate (a PI controller; the default
/// coefficients give the standard integral controller). Step-size decisions are not
/// differentiated, as in Diffrax.
public struct AdaptiveConfig: Sendable {
    /// Relative tolerance.
    public var rtol: Double
    /// Absolute tolerance.
    public var atol: Double
    /// Proportional coefficient (0 for the standard controller).
    public var pcoeff: Double = 0
    /// Integral coefficient (1 for the standard controller).
    public var icoeff: Double = 1
    /// Safety factor on the proposed step.
    public var safety: Double = 0.9
    /// Smallest factor by which a step may shrink.
    public var factorMin: Double = 0.2
    /// Largest factor by which a step may grow.
    public var factorMax: Double = 10
    /// Largest step allowed.
    public var dtMax: Double = .infinity

    /// An adaptive configuration.
    public init(rtol: Double, atol: Double, pcoeff: Double = 0, icoeff: Double = 1) {
        self.rtol = rtol; self.atol = atol; self.pcoeff = pcoeff; self.icoeff = icoeff
    }

    func validate() throws {
        guard rtol.isFinite, rtol > 0 else { throw EventaxError.invalid(field: "solver.rtol", "must be a finite number > 0, got \(rtol)") }
        guard atol.isFinite, atol > 0 else { throw EventaxError.invalid(field: "solver.atol", "must be a finite number > 0, got \(atol)") }
        guard dtMax > 0 else { throw EventaxError.invalid(field: "solver.dtMax", "must be > 0, got \(dtMax)") }
    }
}
