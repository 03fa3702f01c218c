import Testing
import Foundation
@testable import Eventax

/// Synaptic and axonal delays: exact gradients (reverse pass = finite differences of the forward),
/// their behaviour, clamping at 0, initialization and input validation.
@Suite("Delay") struct DelayTests {
    /// Input spike times off every solver grid used here (dt = 0.05, 0.02, 0.01).
    static let input: [[Double]] = [[1.0137, 9.5412], [3.2291], [5.1733, 12.7089]]

    /// Compares the delay gradients of `Simulator.gradient` with fourth-order central differences
    /// of the forward run, perturbing one synaptic or axonal delay at a time through
    /// ``Network/withDelays(synaptic:axonal:)``; the same rules as `finiteDifferenceCheck`
    /// (structure changes skip the component, |fd − g| ≤ rtol·|g| + atol). A delay of exactly 0 is
    /// compared with a one-sided (right) difference; nonzero delays within 2ε of 0 are skipped, the
    /// clamp making the function non-differentiable there.
    func delayFiniteDifferences(_ net: Network, input: [[Double]], readout: ReadoutRequest, cotangent: Cotangent,
                                eps: Double = 1e-4, rtol: Double = 1e-6, atol: Double = 1e-9) throws -> FDReport {
        let sim = Simulator(network: net)
        let base = try sim.run(input, readout: readout)
        let g = try sim.gradient(cotangent)
        var report = FDReport()
        func structure(_ r: SimulationResult) -> [Int] { r.spikes.map(\.count) + r.committedRecords }
        let baseStructure = structure(base)

        func compare(_ name: String, value: Double, _ analytic: Double, _ perturbed: (Double) throws -> Network) throws {
            let fd: Double
            if value == 0 {
                // At the clamp the gradient is the right derivative: a one-sided second-order difference.
                var L = [scalarLoss(base, cotangent)]
                for d in [eps, 2 * eps] {
                    let r = try Simulator(network: perturbed(d)).run(input, readout: readout)
                    guard structure(r) == baseStructure else { report.skipped += 1; return }
                    L.append(scalarLoss(r, cotangent))
                }
                fd = (-3 * L[0] + 4 * L[1] - L[2]) / (2 * eps)
            } else {
                if abs(value) <= 2 * eps { report.skipped += 1; return }
                var L: [Double] = []
                for d in [2 * eps, eps, -eps, -2 * eps] {
                    let r = try Simulator(network: perturbed(d)).run(input, readout: readout)
                    guard structure(r) == baseStructure else { report.skipped += 1; return }
                    L.append(scalarLoss(r, cotangent))
                }
                fd = (-L[0] + 8 * L[1] - 8 * L[2] + L[3]) / (12 * eps)
            }
            let err = abs(fd - analytic)
            report.checked += 1
            if err > rtol * abs(analytic) + atol {
                report.failures.append("\(name): reverse \(analytic) vs fd \(fd)")
            } else if abs(analytic) > atol / rtol {
                report.worst = max(report.worst, err / abs(analytic))
            }
        }
        for s in net.delays.indices {
            try compare("delay[\(s)]", value: net.delays[s], g.delays[s]) { d in
                var x = net.delays; x[s] += d
                return try net.withDelays(synaptic: x)
            }
        }
        for m in net.axonalDelays.indices {
            try compare("axonal[\(m)]", value: net.axonalDelays[m], g.axonalDelays[m]) { d in
                var x = net.axonalDelays; x[m] += d
                return try net.withDelays(axonal: x)
            }
        }
        return report
    }

    func expectClean(_ r: FDReport, minChecked: Int, _ label: String) {
        #expect(r.failures.isEmpty, "\(label): \(r)")
        #expect(r.checked >= minChecked, "\(label): too few components checked: \(r)")
        print("[Delay FD] \(label): \(r)")
    }

    /// A random cotangent on every spike of every neuron (the network is simulated once to count them).
    func spikeCotangent(_ net: Network, seed: UInt64, input: [[Double]] = DelayTests.input) throws -> Cotangent {
        var rng = TestRNG(seed)
        let r = try Simulator(network: net).run(input)
        #expect(r.spikes.reduce(0) { $0 + $1.count } > 3, "the test network should spike")
        return Cotangent(spikes: r.spikes.map { $0.map { _ in rng.uniform(-1, 1) } })
    }

    /// Delay gradients, then every other gradient (weights, parameters, inputs) of the delayed network.
    func checkAll(_ net: Network, input: [[Double]] = DelayTests.input, readout: ReadoutRequest, cotangent: Cotangent,
                  eps: Double, minDelays: Int, _ label: String) throws {
        let d = try delayFiniteDifferences(net, input: input, readout: readout, cotangent: cotangent, eps: eps)
        expectClean(d, minChecked: minDelays, "\(label) delays")
        // The check is not vacuous: most delays that can matter have a clearly nonzero gradient.
        let sim = Simulator(network: net)
        _ = try sim.run(input, readout: readout)
        let g = try sim.gradient(cotangent)
        let nonzero = (g.delays + g.axonalDelays).filter { abs($0) > 1e-3 }.count
        #expect(nonzero >= minDelays / 2, "\(label): only \(nonzero) delay gradients are nonzero")
        print("[Delay FD] \(label): \(nonzero) delay gradients with |g| > 1e-3")
        let rest = try finiteDifferenceCheck(net, input: input, readout: readout, cotangent: cotangent, eps: eps)
        expectClean(rest, minChecked: 10, "\(label) weights/parameters/inputs")
    }

    func lifNetwork(seed: UInt64) throws -> Network {
        try smallNetwork({ PopulationSpec(LIF(), count: $0, learnable: ["ic", "tmem", "tsyn", "thresh"]) },
                         solver: SolverConfig(tableau: .rk4, dt: 0.05), seed: seed, wLo: 0.5, wHi: 4)
    }

    @Test("Feed-forward LIF with synaptic delays: ttfs, states and spike trains match finite differences")
    func lifSynaptic() throws {
        let net = try lifNetwork(seed: 31).withRandomDelays(synapticLimit: 3, seed: 32)
        #expect(net.hasDelays && net.axonalDelays.allSatisfy { $0 == 0 })
        try checkAll(net, readout: .ttfs, cotangent: randomCotangent(net, observations: 0, seed: 33), eps: 1e-4, minDelays: 6, "lif synaptic ttfs")
        let obs = ReadoutRequest(observationTimes: [6.3, 13.1, 21.9])
        try checkAll(net, readout: obs, cotangent: randomCotangent(net, observations: 3, seed: 34), eps: 1e-4, minDelays: 10, "lif synaptic states")
        try checkAll(net, readout: .full, cotangent: spikeCotangent(net, seed: 35), eps: 1e-4, minDelays: 10, "lif synaptic spikes")
    }

    @Test("Feed-forward LIF with axonal delays: ttfs, states and spike trains match finite differences")
    func lifAxonal() throws {
        let net = try lifNetwork(seed: 41).withRandomDelays(axonalLimit: 3, seed: 42)
        #expect(net.hasDelays && net.delays.allSatisfy { $0 == 0 })
        // Only the 4 hidden neurons have outgoing synapses; the outputs' axonal delays have zero gradient.
        try checkAll(net, readout: .ttfs, cotangent: randomCotangent(net, observations: 0, seed: 43), eps: 1e-4, minDelays: 4, "lif axonal ttfs")
        let obs = ReadoutRequest(observationTimes: [6.3, 13.1, 21.9])
        try checkAll(net, readout: obs, cotangent: randomCotangent(net, observations: 3, seed: 44), eps: 1e-4, minDelays: 4, "lif axonal states")
        try checkAll(net, readout: .full, cotangent: spikeCotangent(net, seed: 45), eps: 1e-4, minDelays: 4, "lif axonal spikes")
    }

    @Test("withSolver keeps weights, parameters, synaptic and axonal delays")
    func withSolverKeepsDelays() throws {
        let net = try lifNetwork(seed: 61).withRandomDelays(synapticLimit: 2, axonalLimit: 3, seed: 62)
        let other = try net.withSolver(SolverConfig(tableau: .tsit5, dt: 0.05, adaptive: AdaptiveConfig(rtol: 1e-8, atol: 1e-8)))
        #expect(other.delays == net.delays)
        #expect(other.axonalDelays == net.axonalDelays)
        #expect(other.axonalDelays.contains { $0 > 0 })
        #expect(other.weights == net.weights)
        #expect(other.parameters == net.parameters)
    }

    @Test("QIF with synaptic and axonal delays: reverse pass = finite differences")
    func qifBoth() throws {
        let net = try smallNetwork({ PopulationSpec(QIF(), count: $0, learnable: ["ic", "tmem"]) }, solver: SolverConfig(tableau: .rk4, dt: 0.02),
                                   seed: 51, wLo: 2, wHi: 12).withRandomDelays(synapticLimit: 2, axonalLimit: 1.5, seed: 52)
        try checkAll(net, readout: .ttfs, cotangent: randomCotangent(net, observations: 0, seed: 53), eps: 1e-4, minDelays: 8, "qif both ttfs")
        let obs = ReadoutRequest(observationTimes: [6.3, 13.1, 21.9])
        try checkAll(net, readout: obs, cotangent: randomCotangent(net, observations: 3, seed: 54), eps: 1e-4, minDelays: 12, "qif both states")
        try checkAll(net, readout: .full, cotangent: spikeCotangent(net, seed: 55), eps: 1e-4, minDelays: 12, "qif both spikes")
    }

    @Test("Recurrent LIF network with delays (self-connections included): reverse pass = finite differences")
    func recurrent() throws {
        var rng = TestRNG(61)
        var syn: [Synapse] = []
        for c in 0..<2 { for n in 0..<4 { syn.append(Synapse(from: .input(c), to: n, weight: [rng.uniform(0.5, 3)], delay: rng.uniform(0, 2))) } }
        for m in 0..<4 { for n in 0..<4 { syn.append(Synapse(from: .neuron(m), to: n, weight: [rng.uniform(-1, 2)], delay: rng.uniform(0.2, 2))) } }
        let pop = PopulationSpec(LIF(), count: 4, parameters: ["ic": (0..<4).map { _ in rng.uniform(0.2, 0.8) }], learnable: ["ic", "tsyn"])
        let net = try Network(inputCount: 2, populations: [pop], synapses: syn, outputs: [2, 3], tmax: 30,
                              solver: SolverConfig(tableau: .midpoint, dt: 0.05), axonalDelays: (0..<4).map { _ in rng.uniform(0.1, 1) })
        let input: [[Double]] = [[0.5173, 4.0219, 7.5331], [2.0417, 6.1123]]
        try checkAll(net, input: input, readout: .full, cotangent: spikeCotangent(net, seed: 62, input: input), eps: 1e-4, minDelays: 16, "recurrent")
    }

    @Test("Adaptive Tsit5 with delays: reverse pass = finite differences of the adaptive forward")
    func adaptive() throws {
        let solver = SolverConfig(tableau: .tsit5, dt: 0.1, adaptive: AdaptiveConfig(rtol: 1e-11, atol: 1e-11))
        let net = try smallNetwork({ PopulationSpec(QIF(), count: $0) }, solver: solver, seed: 71, wLo: 2, wHi: 12)
            .withRandomDelays(synapticLimit: 2, axonalLimit: 1, seed: 72)
        let d = try delayFiniteDifferences(net, input: Self.input, readout: .full, cotangent: spikeCotangent(net, seed: 73))
        expectClean(d, minChecked: 12, "tsit5 delays")
    }

    /// A single LIF neuron driven by one input channel through one synapse.
    func singleNeuron(solver: SolverConfig, delay: Double) throws -> Network {
        try Network(inputCount: 1, populations: [PopulationSpec(LIF(), count: 1)],
                    synapses: [Synapse(from: .input(0), to: 0, weight: [10], delay: delay)], outputs: [0], tmax: 20, solver: solver)
    }

    @Test("A delay d on a synapse = shifting its input by d (constant steps exactly, adaptive to 1e-9), with equal gradients")
    func shift() throws {
        let t0 = 1.0137, d = 2.4173
        for (solver, tol) in [(SolverConfig(tableau: .rk4, dt: 0.05), 1e-12),
                              (SolverConfig(tableau: .tsit5, dt: 0.1, adaptive: AdaptiveConfig(rtol: 1e-11, atol: 1e-11)), 1e-9)] {
            let delayed = Simulator(network: try singleNeuron(solver: solver, delay: d))
            let shifted = Simulator(network: try singleNeuron(solver: solver, delay: 0))
            let a = try delayed.run([[t0]]), b = try shifted.run([[t0 + d]])
            let ta = try #require(a.spikes[0].first), tb = try #require(b.spikes[0].first)
            #expect(ta > t0 + d)
            #expect(a.spikes[0].count == b.spikes[0].count)
            #expect(abs(ta - tb) <= tol, "delayed \(ta) vs shifted \(tb)")
            let ct = Cotangent(ttfs: [1])
            let ga = try delayed.gradient(ct), gb = try shifted.gradient(ct)
            // d t_spike / d delay = d t_spike / d t_input (both move the arrival time).
            #expect(ga.delays[0] == ga.inputs[0][0])
            #expect(abs(ga.delays[0] - gb.inputs[0][0]) <= 1e-9, "\(ga.delays[0]) vs \(gb.inputs[0][0])")
            #expect(abs(ga.weights[0] - gb.weights[0]) <= 1e-9 * abs(gb.weights[0]))
            // From rest the response is time-invariant: the spike moves one for one with the arrival.
            #expect(abs(ga.delays[0] - 1) <= 1e-9, "d t_spike / d delay = \(ga.delays[0])")
        }
    }

    /// input → A → B (LIF).
    func chain(delayAB: Double, axonalA: Double) throws -> Network {
        try Network(inputCount: 1, populations: [PopulationSpec(LIF(), count: 2)],
                    synapses: [Synapse(from: .input(0), to: 0, weight: [10]), Synapse(from: .neuron(0), to: 1, weight: [10], delay: delayAB)],
                    outputs: [0, 1], tmax: 30, solver: SolverConfig(tableau: .rk4, dt: 0.05), axonalDelays: [axonalA, 0])
    }

    @Test("An axonal delay acts like the same synaptic delay on every outgoing synapse")
    func axonalEqualsSynaptic() throws {
        let d = 3.3071
        let synSim = Simulator(network: try chain(delayAB: d, axonalA: 0))
        let axSim = Simulator(network: try chain(delayAB: 0, axonalA: d))
        let noneSim = Simulator(network: try chain(delayAB: 0, axonalA: 0))
        let s = try synSim.run([[1.0137]]), a = try axSim.run([[1.0137]]), z = try noneSim.run([[1.0137]])
        #expect(s.spikes == a.spikes)
        #expect(z.spikes[0] == a.spikes[0])
        let tB = try #require(a.spikes[1].first), tB0 = try #require(z.spikes[1].first)
        #expect(tB > tB0 + 0.5 * d, "B fires later: \(tB) vs \(tB0)")
        let ct = Cotangent(ttfs: [0, 1])
        let gs = try synSim.gradient(ct), ga = try axSim.gradient(ct)
        #expect(gs.delays[1] == ga.axonalDelays[0])
        #expect(gs.axonalDelays[0] == gs.delays[1], "a zero axonal delay gets the right derivative")
        #expect(ga.delays[1] == ga.axonalDelays[0])
        #expect(gs.delays[0] == ga.delays[0] && gs.delays[0] == gs.inputs[0][0] && gs.delays[0] != 0)
    }

    @Test("Negative delays act as 0 and have zero gradient; a delay at exactly 0 gets the right derivative")
    func clamped() throws {
        let base = try lifNetwork(seed: 81)
        var syn = base.delays
        syn[0] = -0.7; syn[5] = -1e-3
        var ax = base.axonalDelays
        ax[1] = -2
        let neg = try base.withDelays(synaptic: syn, axonal: ax)
        #expect(neg.delays[0] == -0.7 && neg.axonalDelays[1] == -2, "stored as given")
        #expect(neg.effectiveDelay(ofSynapse: 0) == 0 && neg.effectiveDelay(ofSynapse: 5) == 0 && !neg.hasDelays)
        let ct = try spikeCotangent(base, seed: 82)
        let simZ = Simulator(network: base), simN = Simulator(network: neg)
        let rz = try simZ.run(Self.input), rn = try simN.run(Self.input)
        #expect(rz.spikes == rn.spikes, "effective delay 0")
        let gz = try simZ.gradient(ct), gn = try simN.gradient(ct)
        #expect(gn.delays[0] == 0 && gn.delays[5] == 0 && gn.axonalDelays[1] == 0)
        #expect(gz.delays[0] != 0 && gz.axonalDelays[1] != 0, "at 0: the right derivative")
        #expect(gn.weights == gz.weights && gn.parameters == gz.parameters && gn.inputs == gz.inputs)
        for s in base.delays.indices where s != 0 && s != 5 { #expect(gn.delays[s] == gz.delays[s]) }
        // The right derivative at 0 is the one-sided difference quotient.
        let eps = 1e-6
        var up = base.delays; up[0] = eps
        let rUp = try Simulator(network: base.withDelays(synaptic: up)).run(Self.input)
        let oneSided = (scalarLoss(rUp, ct) - scalarLoss(rz, ct)) / eps
        #expect(abs(oneSided - gz.delays[0]) <= 1e-4 * abs(gz.delays[0]) + 1e-8, "\(oneSided) vs \(gz.delays[0])")
    }

    @Test("Delay gradients of an input channel's synapses add up to the gradients of its spike times")
    func inputConsistency() throws {
        let net = try lifNetwork(seed: 91)
        for n in [net, try net.withRandomDelays(synapticLimit: 2, axonalLimit: 1, seed: 92)] {
            let sim = Simulator(network: n)
            _ = try sim.run(Self.input)
            let g = try sim.gradient(try spikeCotangent(n, seed: 93))
            for c in 0..<n.inputCount {
                let viaDelays = n.synapses.indices.filter { n.synapses[$0].source == .input(c) }.reduce(0.0) { $0 + g.delays[$1] }
                let viaInputs = g.inputs[c].reduce(0, +)
                #expect(abs(viaDelays - viaInputs) <= 1e-12 * max(1, abs(viaInputs)), "channel \(c): \(viaDelays) vs \(viaInputs)")
            }
        }
    }

    @Test("Deliveries that a delay pushes to tmax or beyond are dropped")
    func pastTmax() throws {
        let net = try singleNeuron(solver: SolverConfig(tableau: .rk4, dt: 0.05), delay: 19.5)
        let sim = Simulator(network: net)
        let r = try sim.run([[1.0137]])
        #expect(r.spikes[0].isEmpty && r.eventCount == 0)
        let g = try sim.gradient(Cotangent(ttfs: [1]))
        #expect(g.delays == [0])
    }

    @Test("Random delays: uniform in [0, limit), seeded, one per synapse or neuron")
    func initialization() throws {
        let a = try Network.randomDelays(count: 1000, limit: 2.5, seed: 7)
        #expect(a.count == 1000 && a.allSatisfy { $0 >= 0 && $0 < 2.5 })
        #expect(a == (try Network.randomDelays(count: 1000, limit: 2.5, seed: 7)))
        #expect(a != (try Network.randomDelays(count: 1000, limit: 2.5, seed: 8)))
        let mean = a.reduce(0, +) / 1000
        #expect(abs(mean - 1.25) < 0.1, "mean \(mean)")
        let net = try lifNetwork(seed: 1).withRandomDelays(synapticLimit: 4, axonalLimit: 1, seed: 3)
        #expect(net.delays.count == net.synapses.count && net.axonalDelays.count == net.neuronCount)
        #expect(net.delays.allSatisfy { $0 >= 0 && $0 < 4 } && net.axonalDelays.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(net.synapses.map(\.delay) == net.delays)
        // Training replaces weights without touching delays.
        let again = try net.withWeights(net.weights.map { $0 * 1.1 }, parameters: net.parameters)
        #expect(again.delays == net.delays && again.axonalDelays == net.axonalDelays)
        #expect(try Network.randomDelays(count: 3, limit: 0, seed: 1) == [0, 0, 0])
    }

    /// Expects `body` to throw ``EventaxError/invalid(field:_:)`` naming `field`.
    func expectInvalid(_ field: String, _ body: () throws -> Any) {
        do {
            _ = try body()
            Issue.record("expected an error naming \(field)")
        } catch let EventaxError.invalid(f, message) {
            #expect(f == field, "\(f): \(message)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("Bad delays: NaN, infinite or miscounted values throw errors naming the field")
    func badInput() throws {
        let net = try lifNetwork(seed: 1)
        var d = net.delays; d[3] = .nan
        expectInvalid("delays[3]") { try net.withDelays(synaptic: d) }
        d[3] = .infinity
        expectInvalid("delays[3]") { try net.withDelays(synaptic: d) }
        expectInvalid("delays") { try net.withDelays(synaptic: [1, 2]) }
        var ax = net.axonalDelays; ax[2] = .nan
        expectInvalid("axonalDelays[2]") { try net.withDelays(axonal: ax) }
        expectInvalid("axonalDelays") { try net.withDelays(axonal: [1]) }
        let pop = PopulationSpec(LIF(), count: 1)
        expectInvalid("synapses[0].delay") {
            try Network(inputCount: 1, populations: [pop], synapses: [Synapse(from: .input(0), to: 0, weight: [1], delay: .nan)], outputs: [0], tmax: 10)
        }
        expectInvalid("axonalDelays") {
            try Network(inputCount: 1, populations: [pop], synapses: [], outputs: [0], tmax: 10, axonalDelays: [0, 0])
        }
        expectInvalid("axonalDelays[0]") {
            try Network(inputCount: 1, populations: [pop], synapses: [], outputs: [0], tmax: 10, axonalDelays: [-.infinity])
        }
        expectInvalid("limit") { try Network.randomDelays(count: 3, limit: -1, seed: 1) }
        expectInvalid("limit") { try Network.randomDelays(count: 3, limit: .nan, seed: 1) }
    }
}
