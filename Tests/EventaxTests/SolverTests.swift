import Foundation
import Testing
@testable import Eventax

/// A non-spiking two-state ODE with a closed-form solution, nonlinear in the state (so that the
/// solvers' nonlinear order conditions matter, not only those of linear problems):
///
///     dv/dt = i·v,   di/dt = −i/tau
///     i(t) = i0·e^(−t/tau),   v(t) = v0·exp(tau·i0·(1 − e^(−t/tau)))
struct GrowthNeuron: NeuronModel {
    var stateNames: [String] { ["v", "i"] }
    var parameters: [ParameterSpec] { [.init("tau", 2, .positive)] }
    var defaultLearnable: [String] { [] }
    var canSpike: Bool { false }
    func initialState<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) { s[0] = T(1); s[1] = T(1) }
    func dynamics<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>, _ ds: Vars<T>) {
        let v = s[0], i = s[1], tau = p[0]
        ds[0] = i * v
        ds[1] = -i / tau
    }
    func spikeCondition<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) -> T { T(-1) }
    func inputJump<T: NeuronScalar>(_ s: Vars<T>, _ w: Vars<T>, _ p: Vars<T>) { s[1] = s[1] + w[0] }
    func reset<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) {}

    /// The exact (v, i) at time `t` from v0 = i0 = 1.
    static func exact(_ t: Double, tau: Double = 2) -> (v: Double, i: Double) {
        (exp(tau * (1 - exp(-t / tau))), exp(-t / tau))
    }
}

@Suite struct SolverTests {
    /// The rooted-tree order conditions Σ bᵢ Φᵢ(t) = 1/γ(t) of Butcher's theory for the trees of
    /// orders 1–5 (17 trees), with cᵢ = Σⱼ aᵢⱼ. Returns (order, residual) per tree.
    static func orderConditions(a: [[Double]], b: [Double]) -> [(order: Int, residual: Double)] {
        let s = b.count
        func mat(_ x: [Double]) -> [Double] { (0..<s).map { i in (0..<i).reduce(0) { $0 + a[i][$1] * x[$1] } } }
        func dot(_ x: [Double]) -> Double { zip(b, x).reduce(0) { $0 + $1.0 * $1.1 } }
        func mul(_ x: [Double], _ y: [Double]) -> [Double] { zip(x, y).map { $0 * $1 } }
        let one = [Double](repeating: 1, count: s)
        let c = mat(one)
        let c2 = mul(c, c), c3 = mul(c2, c), c4 = mul(c3, c)
        let ac = mat(c), ac2 = mat(c2)
        let trees: [(Int, Double, Double)] = [
            (1, dot(one), 1),
            (2, dot(c), 1.0 / 2),
            (3, dot(c2), 1.0 / 3), (3, dot(ac), 1.0 / 6),
            (4, dot(c3), 1.0 / 4), (4, dot(mul(c, ac)), 1.0 / 8), (4, dot(ac2), 1.0 / 12), (4, dot(mat(ac)), 1.0 / 24),
            (5, dot(c4), 1.0 / 5), (5, dot(mul(c2, ac)), 1.0 / 10), (5, dot(mul(c, ac2)), 1.0 / 15),
            (5, dot(mul(c, mat(ac))), 1.0 / 30), (5, dot(mul(ac, ac)), 1.0 / 20), (5, dot(mat(c3)), 1.0 / 20),
            (5, dot(mat(mul(c, ac))), 1.0 / 40), (5, dot(mat(ac2)), 1.0 / 60), (5, dot(mat(mat(ac))), 1.0 / 120),
        ]
        return trees.map { ($0.0, abs($0.1 - $0.2)) }
    }

    @Test("Every built-in tableau satisfies the order conditions of its stated order and embedded order, and fails the next order's",
          arguments: ButcherTableau.builtInNames)
    func orderConditions(name: String) throws {
        let t = try #require(ButcherTableau.named(name))
        // Coefficients of magnitude up to ~13 (Tsit5) rounded to Double: sums of ~20 products
        // carry rounding errors of order 1e-15.
        let tolerance = 1e-13
        let conditions = Self.orderConditions(a: t.a, b: t.b)
        for (k, c) in conditions.enumerated() where c.order <= t.order {
            #expect(c.residual < tolerance, "\(name): tree \(k) of order \(c.order) has residual \(c.residual)")
        }
        if t.order < 5 {
            let next = conditions.filter { $0.order == t.order + 1 }.map(\.residual).max() ?? 0
            #expect(next > 1e-6, "\(name) also satisfies every condition of order \(t.order + 1)")
        }
        if let e = t.bError {
            let bHat = zip(t.b, e).map { $0 - $1 }
            let embedded = Self.orderConditions(a: t.a, b: bHat)
            for (k, c) in embedded.enumerated() where c.order <= t.embeddedOrder {
                #expect(c.residual < tolerance, "\(name) embedded: tree \(k) of order \(c.order) has residual \(c.residual)")
            }
            let next = embedded.filter { $0.order == t.embeddedOrder + 1 }.map(\.residual).max() ?? 0
            #expect(next > 1e-6, "\(name): the embedded solution is of order \(t.embeddedOrder + 1), not \(t.embeddedOrder)")
            #expect(t.embeddedOrder < t.order)
        }
        // The first-same-as-last methods: the last stage is the propagated solution.
        if ["bosh3", "tsit5", "dopri5"].contains(name) {
            #expect(t.b.last == 0 && t.a.last! == Array(t.b.dropLast()))
        }
    }

    /// The largest error in (v, i) at t = 4 after `steps` constant steps of the engine.
    static func globalError(_ tableau: ButcherTableau, steps: Int) throws -> Double {
        try globalError(SolverConfig(tableau: tableau, dt: 4.0 / Double(steps))).error
    }

    /// The largest error in (v, i) at t = 4 with the solver `solver`, and the steps it took.
    static func globalError(_ solver: SolverConfig) throws -> (error: Double, steps: Int) {
        let tmax = 4.0
        let net = try Network.layered(inputCount: 1, layers: [PopulationSpec(GrowthNeuron(), count: 1)], weights: [[[0]]], tmax: tmax,
                                      solver: solver)
        let r = try Simulator(network: net).run([[]], readout: ReadoutRequest(observationTimes: [tmax]))
        let state = r.states[0][0]
        let exact = GrowthNeuron.exact(tmax)
        return (max(abs(state[0] - exact.v), abs(state[1] - exact.i)), r.stepCount)
    }

    @Test("Constant steps through the engine converge at each method's order (global error of a nonlinear ODE against its closed form)",
          arguments: ButcherTableau.builtInNames)
    func convergenceOrder(name: String) throws {
        let t = try #require(ButcherTableau.named(name))
        // 32 and 64 steps over [0, 4]: in the asymptotic range for every method, and the smallest
        // error (Tsit5, ~1e-10) stays far above rounding.
        let coarse = try Self.globalError(t, steps: 32), fine = try Self.globalError(t, steps: 64)
        let observed = log2(coarse / fine)
        #expect(abs(observed - Double(t.order)) < 0.25, "\(name): observed order \(observed), stated \(t.order) (errors \(coarse), \(fine))")
    }

    @Test("Adaptive steps: tightening the tolerance 100-fold cuts the global error at least 10-fold, with more steps",
          arguments: ["heun", "bosh3", "tsit5", "dopri5"])
    func adaptiveErrorFollowsTolerance(name: String) throws {
        let t = try #require(ButcherTableau.named(name))
        let runs = try [1e-5, 1e-7, 1e-9].map { tol in
            try Self.globalError(SolverConfig(tableau: t, dt: 0.1, adaptive: AdaptiveConfig(rtol: tol, atol: tol)))
        }
        for k in 1..<runs.count {
            #expect(runs[k].error * 10 < runs[k - 1].error, "\(name): errors \(runs.map(\.error))")
            #expect(runs[k].steps > runs[k - 1].steps, "\(name): steps \(runs.map(\.steps))")
        }
    }

    @Test("The command-line options name a solver configuration; bad values are refused naming the option")
    func configurationFromOptions() throws {
        let adaptive = try SolverConfig.fromOptions(solver: "bosh3", dt: 0.1, rtol: 1e-3)
        #expect(adaptive.tableau.name == "bosh3" && adaptive.dt == 0.1)
        #expect(adaptive.adaptive?.rtol == 1e-3 && adaptive.adaptive?.atol == 1e-5)
        let constant = try SolverConfig.fromOptions(solver: "euler", dt: 0.25, rtol: nil)
        #expect(constant.tableau.name == "euler" && constant.dt == 0.25 && constant.adaptive == nil)
        let bad: [(String, Double, Double?, String)] = [
            ("rk9", 0.05, 1e-6, "--solver: unknown method \"rk9\" (known: euler, heun, midpoint, rk4, bosh3, tsit5, dopri5)"),
            ("tsit5", 0, 1e-6, "--dt: must be a finite number > 0, got 0.0"),
            ("tsit5", .nan, nil, "--dt: must be a finite number > 0, got nan"),
            ("tsit5", 0.05, -1, "--rtol: must be a finite number > 0, got -1.0"),
            ("tsit5", 0.05, .infinity, "--rtol: must be a finite number > 0, got inf"),
            ("rk4", 0.05, 1e-6, "--solver: rk4 has no embedded error estimate: adaptive steps (--rtol) need heun, bosh3, tsit5 or dopri5; --rtol 0 gives constant steps of --dt"),
        ]
        for (solver, dt, rtol, message) in bad {
            do {
                _ = try SolverConfig.fromOptions(solver: solver, dt: dt, rtol: rtol)
                Issue.record("\(solver), dt \(dt), rtol \(String(describing: rtol)) should be refused")
            } catch {
                #expect("\(error)" == message)
            }
        }
    }
}
