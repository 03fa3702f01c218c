import Testing
import Foundation
@testable import Eventax

/// Test models whose jumps are close to additive but not additive, or additive with an unused weight.
private struct JumpVariant: NeuronModel {
    enum Kind { case scaled, sameWeightTwice, replaced, withParameter, readsValue, secondWeightUnused, weightFirst }
    let kind: Kind
    var stateNames: [String] { ["v", "i"] }
    var parameters: [ParameterSpec] { [.init("g", 1)] }
    var weightsPerSynapse: Int { kind == .secondWeightUnused ? 2 : 1 }
    func initialState<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) { s[0] = T(0); s[1] = T(0) }
    func dynamics<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>, _ ds: Vars<T>) { ds[0] = s[1] - s[0]; ds[1] = -s[1] }
    func spikeCondition<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) -> T { s[0] - 1.0 }
    func inputJump<T: NeuronScalar>(_ s: Vars<T>, _ w: Vars<T>, _ p: Vars<T>) {
        switch kind {
        case .scaled: s[1] = s[1] + 2.0 * w[0]
        case .sameWeightTwice: s[0] = s[0] + w[0]; s[1] = s[1] + w[0]
        case .replaced: s[1] = w[0]
        case .withParameter: s[1] = s[1] + w[0] * p[0]
        case .readsValue: if s[0].value < 0.5 { s[1] = s[1] + w[0] }
        case .secondWeightUnused: s[1] = s[1] + w[0]
        case .weightFirst: s[0] = w[0] + s[0]
        }
    }
    func reset<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) { s[0] = T(0) }
}

@Suite struct JumpProbeTests {
    @Test("Additive input jumps are recognized from the model's own code; every other jump is not")
    func detection() throws {
        #expect(additiveJumpTargets(LIF()) == [1])
        #expect(additiveJumpTargets(LI()) == [1])
        #expect(additiveJumpTargets(QIF()) == [1])
        #expect(additiveJumpTargets(EIF()) == [1])
        #expect(additiveJumpTargets(ALIF()) == [1])
        #expect(additiveJumpTargets(Izhikevich()) == [2])
        #expect(additiveJumpTargets(IntegratingLI()) == [1])
        #expect(additiveJumpTargets(AMOS(LIF())) == [1])
        #expect(additiveJumpTargets(PLIF()) == [1])
        #expect(additiveJumpTargets(Refractory(LIF())) == [1])
        #expect(additiveJumpTargets(try MultiCompartment(dendrites: 3)) == [1, 2, 3])
        // Input blocking branches on the state, and EGRU's jump scales a weight by a gate.
        #expect(additiveJumpTargets(Refractory(LIF(), blockInput: true)) == nil)
        #expect(additiveJumpTargets(EGRU()) == nil)
        #expect(additiveJumpTargets(JumpVariant(kind: .scaled)) == nil)
        #expect(additiveJumpTargets(JumpVariant(kind: .sameWeightTwice)) == nil)
        #expect(additiveJumpTargets(JumpVariant(kind: .replaced)) == nil)
        #expect(additiveJumpTargets(JumpVariant(kind: .withParameter)) == nil)
        #expect(additiveJumpTargets(JumpVariant(kind: .readsValue)) == nil)
        #expect(additiveJumpTargets(JumpVariant(kind: .secondWeightUnused)) == [1, -1])
        #expect(additiveJumpTargets(JumpVariant(kind: .weightFirst)) == [0])
    }

    /// Every gradient component as bit patterns.
    func bits(_ g: Gradients) -> [UInt64] {
        (g.weights + g.parameters + g.inputs.joined() + g.delays + g.axonalDelays).map(\.bitPattern)
    }

    @Test("The additive-jump shortcut gives bit for bit the gradients of the dual and recorded jump reversal")
    func shortcutIsBitwiseExact() throws {
        let helpers = GradientTests()
        let adaptive = SolverConfig(tableau: .tsit5, dt: 0.1, adaptive: AdaptiveConfig(rtol: 1e-6, atol: 1e-8))
        let rk4 = SolverConfig(tableau: .rk4, dt: 0.05)
        typealias Make = (_ recording: Bool, _ additive: Bool) throws -> Network
        let qif: Make = { rec, add in
            try smallNetwork({ PopulationSpec(QIF(), count: $0, learnable: ["ic", "tmem"], recording: rec, additiveJumps: add) },
                             solver: adaptive, seed: 11, wLo: 2, wHi: 12)
        }
        let lif: Make = { rec, add in
            try smallNetwork({ PopulationSpec(LIF(), count: $0, learnable: ["ic", "tsyn"], recording: rec, additiveJumps: add) },
                             solver: rk4, seed: 1, wLo: 0.5, wHi: 4)
        }
        let multi: Make = { rec, add in
            let m = try MultiCompartment(dendrites: 1)  // one weight per synapse, as smallNetwork makes them
            return try smallNetwork({ PopulationSpec(m, count: $0, parameters: ["thresh": [1.2]], learnable: ["tmem", "ic"],
                                                                   recording: rec, additiveJumps: add) },
                                    solver: rk4, seed: 4, wLo: 5, wHi: 15)
        }
        for (name, make) in [("qif", qif), ("lif", lif), ("multicompartment", multi)] {
            for recording in [false, true] {
                let shortcut = try make(recording, true), evaluated = try make(recording, false)
                #expect(shortcut.populations.allSatisfy { $0.ops.jumpTargets != nil }, "\(name): the shortcut is on")
                #expect(evaluated.populations.allSatisfy { $0.ops.jumpTargets == nil }, "\(name): the shortcut is off")
                let cotangents: [(String, ReadoutRequest, Cotangent)] = [
                    ("spikes", .full, Cotangent(spikes: try helpers.spikeCotangent(shortcut, seed: 9))),
                    ("ttfs", .ttfs, randomCotangent(shortcut, observations: 0, seed: 7)),
                    ("states", ReadoutRequest(observationTimes: [4.3, 11.1, 17.9]), randomCotangent(shortcut, observations: 3, seed: 8)),
                ]
                for (label, readout, cotangent) in cotangents {
                    let a = Simulator(network: shortcut), b = Simulator(network: evaluated)
                    let ra = try a.run(GradientTests.input, readout: readout), rb = try b.run(GradientTests.input, readout: readout)
                    #expect(ra.spikes == rb.spikes)
                    #expect(!ra.spikes.joined().isEmpty, "\(name) \(label): the network spikes")
                    let ga = try a.gradient(cotangent), gb = try b.gradient(cotangent)
                    #expect(ga.weights.contains { $0 != 0 }, "\(name) \(label): some weight gradient is nonzero")
                    #expect(bits(ga) == bits(gb), "\(name) \(label) recording \(recording): \(ga.weights) vs \(gb.weights)")
                }
            }
        }
    }
}
