import Testing
import Foundation
@testable import Eventax

/// The recorded (reverse-mode) reverse pass: the `Recorded` scalar against `Dual` numbers, and the
/// `RecordingKernel` against finite differences of the forward and against the dual reverse pass.
@Suite struct RecordingTests {
    let helpers = GradientTests()

    /// Every operation of `NeuronScalar`: the value is bitwise the `Double` value, and one reverse
    /// sweep gives the same partials as two dual lanes (up to rounding).
    @Test func recordedMatchesDual() {
        typealias D = Dual<SIMD2<Double>>
        func check(_ name: String, _ x: Double, _ y: Double, _ f: (Recorded, Recorded) -> Recorded, _ g: (D, D) -> D, _ v: (Double, Double) -> Double) {
            var tape = RecordingTape(capacity: 4)
            defer { tape.deallocate() }
            withUnsafeMutablePointer(to: &tape) { t in
                let rx = Recorded.input(x, on: t), ry = Recorded.input(y, on: t)
                let r = f(rx, ry)
                let d = g(D(x, seed: 0), D(y, seed: 1))
                #expect(r.value.bitPattern == v(x, y).bitPattern, "\(name): value \(r.value) vs Double \(v(x, y))")
                t.pointee.clearAdjoints()
                t.pointee.adjoint[Int(r.index)] = 1
                t.pointee.sweep()
                for (k, dk) in [d.d[0], d.d[1]].enumerated() {
                    let a = t.pointee.adjoint[k]
                    #expect(abs(a - dk) <= 1e-14 * max(1, abs(dk)), "\(name) ∂\(k): recorded \(a), dual \(dk)")
                }
            }
        }
        for (x, y) in [(0.37, -1.9), (2.5, 0.61), (-0.83, 3.3)] {
            check("+", x, y, { $0 + $1 }, { $0 + $1 }, { $0 + $1 })
            check("-", x, y, { $0 - $1 }, { $0 - $1 }, { $0 - $1 })
            check("*", x, y, { $0 * $1 }, { $0 * $1 }, { $0 * $1 })
            check("/", x, y, { $0 / $1 }, { $0 / $1 }, { $0 / $1 })
            check("plusScaled", x, y, { .plusScaled($0, 0.7, $1) }, { .plusScaled($0, 0.7, $1) }, { $0 + 0.7 * $1 })
            check("neg", x, y, { -$0 * $1 }, { -$0 * $1 }, { -$0 * $1 })
            check("mixed", x, y, { 1.5 + $0 - 0.25 * $1 / 3 + (2 - $0) * (2 / $1) }, { 1.5 + $0 - 0.25 * $1 / 3 + (2 - $0) * (2 / $1) },
                  { 1.5 + $0 - 0.25 * $1 / 3 + (2 - $0) * (2 / $1) })
            check("exp", x, y, { .exp($0 * $1) }, { .exp($0 * $1) }, { Foundation.exp($0 * $1) })
            check("log", x, y, { .log($0 * $0 + $1 * $1) }, { .log($0 * $0 + $1 * $1) }, { Foundation.log($0 * $0 + $1 * $1) })
            check("sin", x, y, { .sin($0) * $1 }, { .sin($0) * $1 }, { Foundation.sin($0) * $1 })
            check("cos", x, y, { .cos($0 - $1) }, { .cos($0 - $1) }, { Foundation.cos($0 - $1) })
            check("sinCos", x, y, { let (s, c) = Recorded.sinCos($0); return s * $1 + c }, { let (s, c) = D.sinCos($0); return s * $1 + c },
                  { let (s, c) = Double.sinCos($0); return s * $1 + c })
            check("sinCosPi", x, y, { let (s, c) = Recorded.sinCosPi($0); return s * c + $1 }, { let (s, c) = D.sinCosPi($0); return s * c + $1 },
                  { let (s, c) = Double.sinCosPi($0); return s * c + $1 })
            check("tan", x, y, { .tan($0 * 0.3) + $1 }, { .tan($0 * 0.3) + $1 }, { Foundation.tan($0 * 0.3) + $1 })
            check("tanh", x, y, { .tanh($0 + $1) }, { .tanh($0 + $1) }, { Foundation.tanh($0 + $1) })
            check("sqrt", x, y, { .sqrt($0 * $0 + $1 * $1) }, { .sqrt($0 * $0 + $1 * $1) }, { ($0 * $0 + $1 * $1).squareRoot() })
            check("sigmoid", x, y, { .sigmoid($0 - $1) }, { .sigmoid($0 - $1) }, { 1 / (1 + Foundation.exp(-($0 - $1))) })
            check("pow", x, y, { .pow($0 * $0 + 1, 1.7) * $1 }, { .pow($0 * $0 + 1, 1.7) * $1 }, { Foundation.pow($0 * $0 + 1, 1.7) * $1 })
        }
        // Operations on constants record nothing; a tape grows past its initial capacity.
        var tape = RecordingTape(capacity: 16)
        defer { tape.deallocate() }
        withUnsafeMutablePointer(to: &tape) { t in
            let c = Recorded(2) * Recorded(3) + Recorded.exp(Recorded(0))
            #expect(c.value == 7 && c.index == -1 && t.pointee.count == 0)
            var x = Recorded.input(1.0001, on: t)
            for _ in 0..<100 { x = x * 1.0001 }
            #expect(t.pointee.count == 101 && t.pointee.capacity >= 101)
            t.pointee.clearAdjoints()
            t.pointee.adjoint[Int(x.index)] = 1
            t.pointee.sweep()
            #expect(abs(t.pointee.adjoint[0] - Foundation.pow(1.0001, 100)) <= 1e-12)
        }
    }

    /// Flattens every gradient component.
    func flat(_ g: Gradients) -> [Double] { g.weights + g.parameters + g.inputs.joined() + g.delays + g.axonalDelays }

    /// The recorded reverse pass against finite differences, and against the dual reverse pass of
    /// the same network (same forward, so the gradients agree to rounding).
    func checkRecording(_ name: String, dual: Network, recorded: Network, input: [[Double]] = GradientTests.input,
                        readout: ReadoutRequest, cotangent: Cotangent, eps: Double = 1e-4) throws {
        let a = Simulator(network: dual), b = Simulator(network: recorded)
        let ra = try a.run(input, readout: readout), rb = try b.run(input, readout: readout)
        #expect(ra.spikes == rb.spikes && ra.states == rb.states, "\(name): the forward must not depend on the reverse pass")
        let ga = flat(try a.gradient(cotangent)), gb = flat(try b.gradient(cotangent))
        let scale = ga.map(abs).max() ?? 1
        for (k, (x, y)) in zip(ga, gb).enumerated() {
            #expect(abs(x - y) <= 1e-10 * max(scale, 1), "\(name) component \(k): dual \(x), recorded \(y)")
        }
        let r = try finiteDifferenceCheck(recorded, input: input, readout: readout, cotangent: cotangent, eps: eps)
        helpers.expectClean(r, "\(name) recorded")
    }

    @Test("Recorded reverse pass = finite differences = dual reverse pass (QIF adaptive, LIF, EIF, custom; spikes, ttfs, states)")
    func models() throws {
        let adaptive = SolverConfig(tableau: .tsit5, dt: 0.1, adaptive: AdaptiveConfig(rtol: 1e-11, atol: 1e-11))
        let rk4 = SolverConfig(tableau: .rk4, dt: 0.02)
        typealias Make = (Bool) throws -> Network
        let qif: Make = { rec in try smallNetwork({ PopulationSpec(QIF(), count: $0, learnable: ["ic", "tmem"], recording: rec) },
                                                  solver: adaptive, seed: 11, wLo: 2, wHi: 12) }
        let lif: Make = { rec in try smallNetwork({ PopulationSpec(LIF(), count: $0, learnable: ["ic", "tmem", "tsyn", "thresh"], recording: rec) },
                                                  solver: rk4, seed: 1, wLo: 0.5, wHi: 4) }
        let eif: Make = { rec in try smallNetwork({ PopulationSpec(EIF(), count: $0, learnable: ["ic", "deltaT"], recording: rec) },
                                                  solver: rk4, seed: 3, wLo: 1, wHi: 6) }
        let custom: Make = { rec in try smallNetwork({ PopulationSpec(SineNeuron(), count: $0, recording: rec) },
                                                     solver: rk4, seed: 5, wLo: 1, wHi: 4) }
        for (name, make, eps) in [("qif", qif, 1e-4), ("lif", lif, 1e-5), ("eif", eif, 1e-6), ("custom", custom, 1e-4)] {
            let dual = try make(false), recorded = try make(true)
            try checkRecording("\(name) spikes", dual: dual, recorded: recorded, readout: .full,
                               cotangent: Cotangent(spikes: try helpers.spikeCotangent(dual, seed: 9)), eps: eps)
            try checkRecording("\(name) ttfs", dual: dual, recorded: recorded, readout: .ttfs,
                               cotangent: randomCotangent(dual, observations: 0, seed: 7), eps: eps)
            try checkRecording("\(name) states", dual: dual, recorded: recorded, readout: ReadoutRequest(observationTimes: [4.3, 11.1, 17.9]),
                               cotangent: randomCotangent(dual, observations: 3, seed: 8), eps: eps)
        }
    }

    @Test("Recorded reverse pass of the multi-compartment neuron (per-dendrite weights, time constants, dCaAP parameters) = dual = finite differences")
    func multiCompartment() throws {
        let m = try MultiCompartment(dendrites: 2)
        // 7 states + 7 learnable parameters + 2 weights = 16 lanes, the widest dual numbers.
        let learnable = ["tmem", "tdend_0", "tsyn_1", "ic", "gc", "gca", "v1"]
        #expect(derivativeLanes(m, learnableCount: learnable.count) == maxDerivativeLanes)
        func network(_ recording: Bool) throws -> Network {
            var rng = TestRNG(84)
            func pop(_ n: Int) -> PopulationSpec {
                let parameters = ["thresh": [1.2], "ic": (0..<n).map { _ in rng.uniform(0.05, 0.2) }, "tmem": (0..<n).map { _ in rng.uniform(8, 15) }]
                return PopulationSpec(m, count: n, parameters: parameters, learnable: learnable, recording: recording)
            }
            let layers = [pop(3), pop(2)]
            func weight() -> [Double] { (0..<2).map { _ in rng.uniform(0.5, 3) } }
            var syn: [Synapse] = []
            for c in 0..<3 { for n in 0..<3 { syn.append(Synapse(from: .input(c), to: n, weight: weight())) } }
            for k in 0..<3 { for n in 0..<2 { syn.append(Synapse(from: .neuron(k), to: 3 + n, weight: weight())) } }
            return try Network(inputCount: 3, populations: layers, synapses: syn, outputs: [3, 4], tmax: 40,
                               solver: SolverConfig(tableau: .rk4, dt: 0.05))
        }
        let dual = try network(false), recorded = try network(true)
        var cotangent = randomCotangent(dual, observations: 3, seed: 83)
        cotangent.ttfs = nil
        cotangent.spikes = try helpers.spikeCotangent(dual, seed: 82)
        try checkRecording("multicompartment", dual: dual, recorded: recorded, readout: ReadoutRequest(observationTimes: [4.3, 11.1, 17.9]),
                           cotangent: cotangent)
    }

    @Test("More than 64 derivative lanes: the engine switches to the recorded reverse pass (was an error)")
    func wideNeuron() throws {
        // 20 dendrites, every time constant learnable: 61 states + 42 parameters + 20 weights = 123 lanes.
        let m = try MultiCompartment(dendrites: 20)
        let net = try Network(inputCount: 1, populations: [PopulationSpec(m, count: 1, parameters: ["thresh": [0.5], "ic": [0.1]])],
                              synapses: [Synapse(from: .input(0), to: 0, weight: (0..<20).map { 1.2 + 0.08 * Double($0) })],
                              outputs: [0], tmax: 30, solver: SolverConfig(tableau: .rk4, dt: 0.05))
        #expect(derivativeLanes(m, learnableCount: net.learnableNames(ofNeuron: 0).count) == 123)
        let sim = Simulator(network: net)
        let r = try sim.run([[1.0137]], readout: .ttfs)
        #expect(r.ttfs[0] != nil, "the neuron should spike")
        let g = try sim.gradient(Cotangent(ttfs: [1]))
        #expect(g.parameters.allSatisfy(\.isFinite) && g.weights.contains { $0 != 0 })
        // The first spike time's derivative w.r.t. the input time against central differences.
        func ttfs(_ t: Double) throws -> Double { try Simulator(network: net).run([[t]], readout: .ttfs).ttfs[0]! }
        let h = 1e-4
        let fd = (try ttfs(1.0137 + h) - ttfs(1.0137 - h)) / (2 * h)
        #expect(abs(g.inputs[0][0] - fd) <= 1e-6 * max(1, abs(fd)), "recorded \(g.inputs[0][0]) vs fd \(fd)")
    }
}
