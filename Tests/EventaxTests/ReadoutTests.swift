import Foundation
import Testing
@testable import Eventax

/// The integrating LI readout in closed form, written independently of the engine. One input
/// spike of weight w at t0 gives, with s = t − t0 > 0, a = 1/tsyn, b = 1/tmem, c = 1/horizon:
///
///     i(t) = w·e^(−a·s)
///     v(t) = K·(e^(−a·s) − e^(−b·s)),               K = w·tsyn/(tsyn − tmem)
///     ∫₀ᵗ v = K·((1 − e^(−a·s))/a − (1 − e^(−b·s))/b)
///     ∫₀ᵗ e^(−t'/horizon)·v = K·e^(−c·t0)·((1 − e^(−(a+c)·s))/(a+c) − (1 − e^(−(b+c)·s))/(b+c))
///
/// and the readout is linear, so spikes superpose. The derivatives with respect to t0 follow
/// from d/dt0 = −d/ds (for the weighted integral also −c times itself).
struct ClosedFormReadout {
    var tmem = 20.0, tsyn = 5.0, horizon = 25.0

    /// (v, ∫v, ∫e^(−t/horizon)·v) at `t` for one spike of weight `w` at `t0`.
    func observe(t: Double, spikeAt t0: Double, weight w: Double) -> [Double] {
        guard t > t0 else { return [0, 0, 0] }
        let s = t - t0, a = 1 / tsyn, b = 1 / tmem, c = 1 / horizon
        let k = w * tsyn / (tsyn - tmem)
        let v = k * (exp(-a * s) - exp(-b * s))
        let area = k * ((1 - exp(-a * s)) / a - (1 - exp(-b * s)) / b)
        let expArea = k * exp(-c * t0) * ((1 - exp(-(a + c) * s)) / (a + c) - (1 - exp(-(b + c) * s)) / (b + c))
        return [v, area, expArea]
    }

    /// d/dt0 of ``observe(t:spikeAt:weight:)``.
    func observeDerivative(t: Double, spikeAt t0: Double, weight w: Double) -> [Double] {
        guard t > t0 else { return [0, 0, 0] }
        let s = t - t0, a = 1 / tsyn, b = 1 / tmem, c = 1 / horizon
        let k = w * tsyn / (tsyn - tmem)
        let v = k * (exp(-a * s) - exp(-b * s))
        let dv = -k * (-a * exp(-a * s) + b * exp(-b * s))
        let expArea = observe(t: t, spikeAt: t0, weight: w)[2]
        return [dv, -v, -c * expArea - exp(-c * t) * v]
    }
}

@Suite struct ReadoutTests {
    let oracle = ClosedFormReadout()
    let inputs: [[Double]] = [[2.0, 11.5], [6.25], []]
    let weights: [[Double]] = [[0.8, -0.4], [1.5, 0.3], [2.0, 1.0]]  // [channel][readout]
    let times = [0.0, 4.5, 12.0, 17.0, 30.0]

    func network(_ solver: SolverConfig) throws -> Network {
        try Network.layered(inputCount: 3,
                            layers: [PopulationSpec(IntegratingLI(), count: 2,
                                                    parameters: ["tmem": [oracle.tmem], "tsyn": [oracle.tsyn], "horizon": [oracle.horizon]])],
                            weights: [weights], tmax: 30, solver: solver)
    }

    static let solvers = ["tsit5, rtol 1e-12", "rk4, dt 0.01"]

    func solver(_ name: String) -> SolverConfig {
        name.hasPrefix("tsit5") ? SolverConfig(tableau: .tsit5, dt: 0.1, adaptive: AdaptiveConfig(rtol: 1e-12, atol: 1e-12))
                                : SolverConfig(tableau: .rk4, dt: 0.01)
    }

    @Test("Potential, integral and exponentially weighted integral of LI readouts (the state logits) match the closed form",
          arguments: solvers)
    func statesMatchClosedForm(solverName: String) throws {
        let r = try Simulator(network: network(solver(solverName))).run(inputs, readout: ReadoutRequest(observationTimes: times))
        for o in 0..<2 {
            for (k, t) in times.enumerated() {
                var expected = [0.0, 0.0, 0.0]
                for (channel, spikes) in inputs.enumerated() {
                    for t0 in spikes {
                        let x = oracle.observe(t: t, spikeAt: t0, weight: weights[channel][o])
                        for q in 0..<3 { expected[q] += x[q] }
                    }
                }
                for q in 0..<3 {
                    #expect(abs(r.states[o][k][q] - expected[q]) < 1e-8,
                            "\(solverName): readout \(o), t = \(t), observable \(q): \(r.states[o][k][q]) vs \(expected[q])")
                }
            }
        }
        #expect(r.states[0][4][1] > 1, "the integrals should be far from 0")
    }

    @Test("Gradients of the state logits w.r.t. weights and input spike times match the closed form's derivatives",
          arguments: solvers)
    func gradientsMatchClosedForm(solverName: String) throws {
        let sim = Simulator(network: try network(solver(solverName)))
        _ = try sim.run(inputs, readout: ReadoutRequest(observationTimes: times))
        var rng = TestRNG(5)
        let cot = (0..<2).map { _ in times.map { _ in (0..<3).map { _ in rng.uniform(-1, 1) } } }  // [readout][time][observable]
        let g = try sim.gradient(Cotangent(states: cot))
        func contract(_ o: Int, _ f: (Double) -> [Double]) -> Double {
            var sum = 0.0
            for (k, t) in times.enumerated() { let x = f(t); for q in 0..<3 { sum += cot[o][k][q] * x[q] } }
            return sum
        }
        for (channel, spikes) in inputs.enumerated() {
            for o in 0..<2 {
                // The readout is linear in each weight: d/dw is the response to a unit weight.
                let expected = spikes.reduce(0.0) { acc, t0 in acc + contract(o) { oracle.observe(t: $0, spikeAt: t0, weight: 1) } }
                let got = g.weights[channel * 2 + o]
                #expect(abs(got - expected) < 1e-7 * max(1, abs(expected)), "\(solverName): d/dw[\(channel)][\(o)]: \(got) vs \(expected)")
            }
            for (j, t0) in spikes.enumerated() {
                let expected = (0..<2).reduce(0.0) { acc, o in
                    acc + contract(o) { oracle.observeDerivative(t: $0, spikeAt: t0, weight: weights[channel][o]) }
                }
                let got = g.inputs[channel][j]
                #expect(abs(got - expected) < 1e-7 * max(1, abs(expected)), "\(solverName): d/dt input[\(channel)][\(j)]: \(got) vs \(expected)")
            }
        }
    }
}
