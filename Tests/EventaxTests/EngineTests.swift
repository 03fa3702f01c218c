import Testing
import Foundation
@testable import Eventax

/// An independent event-driven LIF simulator built on the closed-form solution between events.
/// Spike times are bracketed by sampling the closed form and refined by bisection.
struct ClosedFormLIF {
    let tmem: Double, tsyn: Double, thresh: Double, vreset: Double
    /// v and i after time s from (v0, i0) with constant bias ic.
    func evolve(_ v0: Double, _ i0: Double, _ ic: Double, _ s: Double) -> (Double, Double) {
        let a = i0 * tsyn / (tsyn - tmem)
        let v = ic + (v0 - ic - a) * exp(-s / tmem) + a * exp(-s / tsyn)
        return (v, i0 * exp(-s / tsyn))
    }

    /// Spike times of every neuron of a layered network (weights[l][pre][post], bias per layer).
    func simulate(inputs: [[Double]], weights: [[[Double]]], bias: [[Double]], tmax: Double) -> [[Double]] {
        let sizes = weights.map { $0[0].count }
        let n = sizes.reduce(0, +)
        var layerStart = [0]; for s in sizes { layerStart.append(layerStart.last! + s) }
        var v = [Double](repeating: 0, count: n), i = v
        let ic = bias.flatMap { $0 }
        var spikes = [[Double]](repeating: [], count: n)
        var pending: [(Double, Int, Int)] = []  // (time, layer, presynaptic index) deliveries
        for (c, ts) in inputs.enumerated() { for t in ts { pending.append((t, 0, c)) } }
        var t = 0.0
        while true {
            pending.sort { $0.0 < $1.0 }
            let nextInput = pending.first?.0 ?? tmax
            let horizon = min(nextInput, tmax)
            // Earliest threshold crossing of any neuron in (t, horizon].
            var best = (time: Double.infinity, neuron: -1)
            for k in 0..<n {
                var a = t, va = v[k] - thresh
                let dtScan = 1e-3
                while a < horizon {
                    let b = min(a + dtScan, horizon)
                    let vb = evolve(v[k], i[k], ic[k], b - t).0 - thresh
                    if va < 0 && vb >= 0 {
                        var lo = a, hi = b
                        for _ in 0..<200 {
                            let mid = 0.5 * (lo + hi)
                            if mid == lo || mid == hi { break }
                            if evolve(v[k], i[k], ic[k], mid - t).0 - thresh < 0 { lo = mid } else { hi = mid }
                        }
                        if hi < best.time { best = (hi, k) }
                        break
                    }
                    a = b; va = vb
                    if a >= best.time { break }
                }
            }
            let tNext = min(best.time, horizon)
            for k in 0..<n { (v[k], i[k]) = evolve(v[k], i[k], ic[k], tNext - t) }
            t = tNext
            if best.neuron >= 0 && best.time <= horizon {
                let k = best.neuron
                spikes[k].append(t)
                v[k] -= thresh - vreset
                let layer = layerStart.firstIndex { $0 > k }! - 1
                if layer + 1 < sizes.count { pending.append((t, layer + 1, k - layerStart[layer])) }
            } else if t >= tmax {
                break
            } else {
                let (time, layer, pre) = pending.removeFirst()
                _ = time
                for post in 0..<sizes[layer] { i[layerStart[layer] + post] += weights[layer][pre][post] }
            }
            // Deliver same-time spikes of hidden neurons immediately (zero delay).
            while let f = pending.first, f.0 <= t, f.1 > 0 {
                pending.removeFirst()
                for post in 0..<sizes[f.1] { i[layerStart[f.1] + post] += weights[f.1][f.2][post] }
            }
        }
        return spikes
    }
}

@Suite struct EngineTests {
    /// A random 3-5-3 LIF network and input for the closed-form oracle, and the same network for
    /// the engine with an adaptive `method` at rtol = atol = 1e-12.
    struct OracleCase {
        let weights: [[[Double]]], bias: [[Double]], inputs: [[Double]]
        let tmax = 40.0
        let oracle = ClosedFormLIF(tmem: 20, tsyn: 5, thresh: 1, vreset: 0)
        init(_ rng: inout TestRNG) {
            weights = [rng.matrix(3, 5, 0.5, 4), rng.matrix(5, 3, 0.5, 3)]
            bias = [5, 3].map { (0..<$0).map { _ in rng.uniform(0.6, 1.4) } }
            inputs = rng.spikeTimes(channels: 3, perChannel: 3, 0, 25)
        }
        func network(_ method: String) throws -> Network {
            let layers = bias.map { PopulationSpec(LIF(), count: $0.count, parameters: ["ic": $0]) }
            return try Network.layered(inputCount: 3, layers: layers, weights: weights, tmax: tmax,
                                       solver: SolverConfig(tableau: .named(method)!, dt: 0.01, adaptive: AdaptiveConfig(rtol: 1e-12, atol: 1e-12)))
        }
    }

    @Test("LIF spike times match the closed-form oracle to 1e-8 (adaptive Dopri5/Tsit5 at tight tolerance)", arguments: [1, 2, 3] as [UInt64])
    func closedFormOracle(seed: UInt64) throws {
        var rng = TestRNG(seed)
        let c = OracleCase(&rng), inputs = c.inputs
        let oracle = c.oracle.simulate(inputs: inputs, weights: c.weights, bias: c.bias, tmax: c.tmax)
        for method in ["dopri5", "tsit5"] {
            let r = try Simulator(network: c.network(method)).run(inputs)
            #expect(r.spikes.map(\.count) == oracle.map(\.count), "\(method): spike counts differ")
            #expect(oracle.map(\.count).reduce(0, +) >= 2 * 8, "neurons should spike several times")
            #expect(oracle.contains { $0.count >= 3 })
            var worst = 0.0
            for (a, b) in zip(r.spikes, oracle) where a.count == b.count { for (x, y) in zip(a, b) { worst = max(worst, abs(x - y)) } }
            #expect(worst <= 1e-8, "\(method): worst spike-time error \(worst)")
        }
    }

    @Test("LIF spike-time gradients (weights, biases, input times) match central differences of the closed-form oracle")
    func closedFormOracleGradients() throws {
        var rng = TestRNG(1)
        let c = OracleCase(&rng)
        let (weights, bias, inputs, tmax, oracle) = (c.weights, c.bias, c.inputs, c.tmax, c.oracle)
        let net = try c.network("tsit5")
        let sim = Simulator(network: net)
        let r = try sim.run(inputs)
        let cot = r.spikes.map { $0.map { _ in rng.uniform(-1, 1) } }
        let g = try sim.gradient(Cotangent(spikes: cot))
        let base = oracle.simulate(inputs: inputs, weights: weights, bias: bias, tmax: tmax)
        #expect(base.map(\.count) == r.spikes.map(\.count))
        // L = Σ cot·t over every spike; its central difference on the oracle (spike times found by
        // bisection to rounding, so a step of 1e-5 leaves differences accurate to ~1e-9).
        func loss(_ w: [[[Double]]], _ b: [[Double]], _ x: [[Double]]) -> Double? {
            let s = oracle.simulate(inputs: x, weights: w, bias: b, tmax: tmax)
            guard s.map(\.count) == base.map(\.count) else { return nil }
            return zip(s, cot).reduce(0) { acc, pair in acc + zip(pair.0, pair.1).reduce(0) { $0 + $1.0 * $1.1 } }
        }
        let h = 1e-5
        var checked = 0
        func check(_ name: String, _ engine: Double, _ plus: Double?, _ minus: Double?) {
            guard let plus, let minus else { Issue.record("\(name): a step of \(h) changes the spike counts"); return }
            let fd = (plus - minus) / (2 * h)
            #expect(abs(engine - fd) <= 1e-7 * max(1, abs(fd)), "\(name): engine \(engine), closed form \(fd)")
            checked += 1
        }
        var synapse = 0
        for l in weights.indices {
            for pre in weights[l].indices {
                for post in weights[l][pre].indices {
                    var wp = weights, wm = weights
                    wp[l][pre][post] += h; wm[l][pre][post] -= h
                    check("w[\(l)][\(pre)][\(post)]", g.weights[synapse], loss(wp, bias, inputs), loss(wm, bias, inputs))
                    synapse += 1
                }
            }
        }
        var neuron = 0
        for l in bias.indices {
            for k in bias[l].indices {
                var bp = bias, bm = bias
                bp[l][k] += h; bm[l][k] -= h
                let slot = net.learnableOffset[neuron] + net.learnableNames(ofNeuron: neuron).firstIndex(of: "ic")!
                check("ic[\(l)][\(k)]", g.parameters[slot], loss(weights, bp, inputs), loss(weights, bm, inputs))
                neuron += 1
            }
        }
        for c in inputs.indices {
            for j in inputs[c].indices {
                var xp = inputs, xm = inputs
                xp[c][j] += h; xm[c][j] -= h
                check("input[\(c)][\(j)]", g.inputs[c][j], loss(weights, bias, xp), loss(weights, bias, xm))
            }
        }
        #expect(checked == 30 + 8 + 9)
    }

    @Test("QIF (phase form) with a constant bias spikes as the closed form of tmem·dV/dt = V² − V + ic predicts; so do the derivatives w.r.t. ic and tmem")
    func qifClosedForm() throws {
        // With V = π·tan(π(φ − ½)) the phase equation is tmem·dV/dt = V² − V + ic. For ic > ¼ and
        // ω = √(ic − ¼): V − ½ = ω·tan(ω(t − t1)/tmem + π/2); from V(0) = 0 the first spike (V → ∞)
        // comes at t1 = tmem·(π/2 + atan(1/(2ω)))/ω, and after each reset (φ = 0, V = −∞) the next
        // one π·tmem/ω later.
        let tmem = 20.0, ic = 1.25, tmax = 200.0
        let omega = (ic - 0.25).squareRoot()
        let f = (Double.pi / 2 + atan(1 / (2 * omega))) / omega
        let period = Double.pi / omega
        let expected = (0..<3).map { tmem * (f + Double($0) * period) }
        // d/dω, then dω/dic = 1/(2ω); every spike time is proportional to tmem.
        let df = -2 / (omega * (4 * omega * omega + 1)) - (Double.pi / 2 + atan(1 / (2 * omega))) / (omega * omega)
        let dPeriod = -Double.pi / (omega * omega)
        let dIc = (0..<3).map { tmem * (df + Double($0) * dPeriod) / (2 * omega) }
        let dTmem = expected.map { $0 / tmem }

        let pop = PopulationSpec(QIF(), count: 1, parameters: ["tmem": [tmem], "ic": [ic]], learnable: ["ic", "tmem"])
        let net = try Network.layered(inputCount: 1, layers: [pop], weights: [[[0]]], tmax: tmax,
                                      solver: SolverConfig(tableau: .tsit5, dt: 0.01, adaptive: AdaptiveConfig(rtol: 1e-12, atol: 1e-12)))
        let sim = Simulator(network: net)
        let r = try sim.run([[]])
        try #require(r.spikes[0].count == 3, "spikes \(r.spikes[0]), expected \(expected)")
        for k in 0..<3 { #expect(abs(r.spikes[0][k] - expected[k]) < 1e-8, "spike \(k): \(r.spikes[0][k]) vs \(expected[k])") }
        let names = net.learnableNames(ofNeuron: 0)
        for k in 0..<3 {
            var cot = [[Double]](repeating: [0, 0, 0], count: 1)
            cot[0][k] = 1
            let g = try sim.gradient(Cotangent(spikes: cot))
            let gIc = g.parameters[names.firstIndex(of: "ic")!], gTmem = g.parameters[names.firstIndex(of: "tmem")!]
            #expect(abs(gIc - dIc[k]) < 1e-7 * abs(dIc[k]), "dt\(k)/dic: \(gIc) vs \(dIc[k])")
            #expect(abs(gTmem - dTmem[k]) < 1e-7 * abs(dTmem[k]), "dt\(k)/dtmem: \(gTmem) vs \(dTmem[k])")
        }
    }

    @Test("Two neurons crossing threshold inside one step spike in true time order")
    func crossingsInOneStep() throws {
        // Two LIF neurons with different constant drives cross inside the same long Euler step;
        // each excites a third neuron strongly, so the order shows in who gets there first.
        let pop = PopulationSpec(LIF(), count: 3, parameters: ["ic": [1.30, 1.25, 0], "tmem": [20]])
        let syn = [Synapse(from: .neuron(0), to: 2, weight: [50]), Synapse(from: .neuron(1), to: 2, weight: [50])]
        let net = try Network(inputCount: 0, populations: [pop], synapses: syn, outputs: [0, 1, 2], tmax: 40,
                              solver: SolverConfig(tableau: .euler, dt: 10))
        let r = try Simulator(network: net).run([])
        let t0 = try #require(r.spikes[0].first), t1 = try #require(r.spikes[1].first)
        #expect(t0 < t1, "neuron 0 has the stronger drive and must spike first")
        #expect(floor(t0 / 10) == floor(t1 / 10), "both crossings must lie in one step for this test to mean anything")
        // Spike times are roots of the Euler step function: v_{k+1} = v_k + h (ic − v_k)/tmem.
        func eulerSpike(_ ic: Double) -> Double {
            var v = 0.0, t = 0.0
            while v + 10 * (ic - v) / 20 < 1 { v += 10 * (ic - v) / 20; t += 10 }
            return t + (1 - v) * 20 / (ic - v)
        }
        #expect(abs(t0 - eulerSpike(1.30)) < 1e-12)
        #expect(abs(t1 - eulerSpike(1.25)) < 1e-12)
    }

    @Test("The spike finder's first guess: the Hermite root is exact for a cubic condition and falls back to the secant root")
    func hermiteFirstGuess() {
        // g(s) = s³ − c on [0, 1]: values −c and 1 − c, slopes 0 and 3; the cubic Hermite
        // interpolant is g itself, so its root is c^(1/3).
        for c in [0.001, 0.3, 0.5, 0.9, 0.999] {
            let s = hermiteRoot(-c, 1 - c, 0, 3)
            #expect(abs(s - Foundation.pow(c, 1.0 / 3)) <= 1e-12, "c = \(c): \(s)")
        }
        // A linear condition (slopes equal to the secant) has the secant root.
        #expect(abs(hermiteRoot(-1, 3, 4, 4) - 0.25) <= 1e-15)
        // Non-finite slopes: the secant root itself.
        #expect(hermiteRoot(-1, 3, .nan, 4) == 0.25 && hermiteRoot(-1, 3, 4, .infinity) == 0.25)
    }

    @Test("Results do not depend on the speculation chunk size")
    func chunkIndependence() throws {
        let net = try smallNetwork({ PopulationSpec(QIF(), count: $0) }, solver: SolverConfig(tableau: .tsit5, dt: 0.05, adaptive: AdaptiveConfig(rtol: 1e-6, atol: 1e-8)),
                                   seed: 31, wLo: 2, wHi: 12)
        var reference: SimulationResult?
        var refGrad: Gradients?
        let ct = randomCotangent(net, observations: 0, seed: 3)
        for k in [1, 3, 16, 1000] {
            let sim = Simulator(network: net)
            sim.chunkSteps = k
            let r = try sim.run(GradientTests.input, readout: .ttfs)
            let g = try sim.gradient(ct)
            if let reference, let refGrad {
                #expect(r.spikes == reference.spikes)
                #expect(g.weights == refGrad.weights)
            } else { reference = r; refGrad = g }
        }
    }

    @Test("A neuron that receives nothing follows its own dynamics; inputs at +inf and after tmax are ignored")
    func inputsIgnored() throws {
        let net = try smallNetwork({ PopulationSpec(LIF(), count: $0) }, solver: SolverConfig(tableau: .rk4, dt: 0.05), seed: 5, wLo: 1, wHi: 2, biasLo: 0, biasHi: 0)
        let a = try Simulator(network: net).run([[], [], []])
        #expect(a.spikes.allSatisfy { $0.isEmpty })
        let b = try Simulator(network: net).run([[.infinity], [50, .infinity], []])
        #expect(b.spikes.allSatisfy { $0.isEmpty })
    }

    @Test("A constant-step run that must exceed maxSteps is refused at once, naming tmax, dt and maxSteps; adaptive and TTFS runs still start")
    func hopelessStepCountsAreRefused() throws {
        let tiny = try smallNetwork({ PopulationSpec(LIF(), count: $0) }, solver: SolverConfig(tableau: .rk4, dt: 1e-7), seed: 1, wLo: 1, wHi: 2)
        let sim = Simulator(network: tiny)
        do {
            _ = try sim.run([[1], [2], [3]], readout: ReadoutRequest(observationTimes: [10]))
            Issue.record("a run of 6 × 4e8 constant steps should be refused")  // (the in-run check would say "more than … solver steps")
        } catch {
            let message = "\(error)"
            #expect(message.contains("tmax / dt = 40.0 / 1e-07") && message.contains("maxSteps = 50000000"), "\(message)")
        }
        // The same limit still holds during a run: a small maxSteps stops a TTFS run, which the
        // up-front check leaves alone (it may end early).
        sim.maxSteps = 1000
        #expect(throws: EventaxError.self) { _ = try sim.run([[1], [2], [3]], readout: .ttfs) }
        let ok = try smallNetwork({ PopulationSpec(LIF(), count: $0) }, solver: SolverConfig(tableau: .rk4, dt: 0.05), seed: 1, wLo: 1, wHi: 2)
        #expect(try Simulator(network: ok).run([[1], [2], [3]], readout: ReadoutRequest(observationTimes: [10])).stepCount > 0)
    }

    @Test("Bad input gives a thrown error that names the field")
    func badInput() throws {
        let net = try smallNetwork({ PopulationSpec(LIF(), count: $0) }, solver: SolverConfig(), seed: 1, wLo: 1, wHi: 2)
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "no error" } catch { return "\(error)" }
        }
        let sim = Simulator(network: net)
        #expect(message { _ = try sim.run([[1], [2]]) }.hasPrefix("spikes:"))
        #expect(message { _ = try sim.run([[1], [-2], []]) }.hasPrefix("spikes[1][0]:"))
        #expect(message { _ = try sim.run([[3, 1], [], []]) }.hasPrefix("spikes[0][1]:"))
        #expect(message { _ = try sim.run([[.nan], [], []]) }.hasPrefix("spikes[0][0]:"))
        #expect(message { _ = try sim.run([[1], [], []], readout: ReadoutRequest(observationTimes: [99])) }.hasPrefix("observe[0]:"))
        #expect(message { _ = try Network.layered(inputCount: 1, layers: [PopulationSpec(LIF(), count: 1, parameters: ["tmem": [0]])], weights: [[[1]]], tmax: 1) }
            .contains("tmem"))
        #expect(message { _ = try Network.layered(inputCount: 1, layers: [PopulationSpec(LIF(), count: 1)], weights: [[[.nan]]], tmax: 1) }
            .hasPrefix("weights[0][0][0]:"))
        #expect(message { _ = try Network.layered(inputCount: 2, layers: [PopulationSpec(LIF(), count: 1)], weights: [[[1]]], tmax: 1) }
            .hasPrefix("weights[0]:"))
        #expect(message { _ = try Network.layered(inputCount: 1, layers: [PopulationSpec(LIF(), count: 1)], weights: [[[1]]], tmax: -1) }
            .hasPrefix("tmax:"))
        #expect(message { _ = try Network.layered(inputCount: 1, layers: [PopulationSpec(LIF(), count: 1, learnable: ["nope"])], weights: [[[1]]], tmax: 1) }
            .contains("learnable"))
        #expect(message { _ = try SolverConfig(tableau: .rk4, dt: 0.1, adaptive: AdaptiveConfig(rtol: 1e-6, atol: 1e-6)).validate() }.hasPrefix("solver.method:"))
        #expect(message { _ = try Simulator(network: net).gradient(Cotangent(ttfs: [1])) }.hasPrefix("gradient:"))
        // maxEvents exceeded
        let busy = try Network.layered(inputCount: 1, layers: [PopulationSpec(LIF(), count: 2, parameters: ["ic": [3]])], weights: [[[1, 1]]], tmax: 100,
                                       solver: SolverConfig(), maxEvents: 5)
        #expect(message { _ = try Simulator(network: busy).run([[1]]) }.hasPrefix("maxEvents:"))
        // Cotangent of the wrong shape
        _ = try sim.run([[1], [2], [3]])
        #expect(message { _ = try sim.gradient(Cotangent(ttfs: [1, 2, 3])) }.hasPrefix("cotangent.ttfs:"))
    }
}
