import Foundation
import Testing
@testable import Eventax

/// Networks mixing models: a hidden layer whose neurons are LIF, QIF and ALIF (one population each,
/// fed by the same inputs), read out by integrating LI neurons and by an EIF neuron.
@Suite struct HeterogeneousTests {
    static let input: [[Double]] = [[1.3172, 7.9031], [3.0417], [5.5523, 12.207]]

    static func network() throws -> Network {
        var rng = TestRNG(31)
        let pops = [PopulationSpec(LIF(), count: 2, parameters: ["ic": [0.1, -0.05]]),
                    PopulationSpec(QIF(), count: 2, parameters: ["ic": [0.05, 0.02]]),
                    PopulationSpec(ALIF(), count: 1, parameters: ["ic": [0.1]]),
                    PopulationSpec(IntegratingLI(), count: 1),
                    PopulationSpec(EIF(), count: 1)]
        var synapses: [Synapse] = []
        for c in 0..<3 { for n in 0..<5 { synapses.append(Synapse(from: .input(c), to: n, weight: [rng.uniform(2, 6)])) } }
        for h in 0..<5 { for o in 5..<7 { synapses.append(Synapse(from: .neuron(h), to: o, weight: [rng.uniform(o == 6 ? 2 : -1, o == 6 ? 8 : 1)])) } }
        return try Network(inputCount: 3, populations: pops, synapses: synapses, outputs: [5, 6], tmax: 40, solver: SolverConfig(tableau: .rk4, dt: 0.05))
    }

    @Test("Mixed LIF/QIF/ALIF hidden layer with LI and EIF readouts: every model runs its own dynamics")
    func behaviour() throws {
        let net = try Self.network()
        #expect(net.model(ofNeuron: 0) is LIF && net.model(ofNeuron: 2) is QIF && net.model(ofNeuron: 4) is ALIF)
        #expect(net.model(ofNeuron: 5) is IntegratingLI && net.model(ofNeuron: 6) is EIF)
        let r = try Simulator(network: net).run(Self.input, readout: .full)
        #expect(r.spikes.prefix(5).allSatisfy { !$0.isEmpty }, "every hidden neuron should spike: \(r.spikes)")
        #expect(r.spikes[5].isEmpty)
    }

    @Test("Mixed-model network: reverse pass = finite differences (spikes and readout states)")
    func gradients() throws {
        let net = try Self.network()
        let base = try Simulator(network: net).run(Self.input, readout: .full)
        var rng = TestRNG(8)
        let spikes = Cotangent(spikes: base.spikes.map { $0.map { _ in rng.uniform(-1, 1) } })
        let r1 = try finiteDifferenceCheck(net, input: Self.input, readout: .full, cotangent: spikes)
        #expect(r1.failures.isEmpty, "\(r1)")
        #expect(r1.checked >= 20, "\(r1)")
        let obs = ReadoutRequest(observationTimes: [9.71, 33.3])
        let r2 = try finiteDifferenceCheck(net, input: Self.input, readout: obs, cotangent: randomCotangent(net, observations: 2, seed: 4))
        #expect(r2.failures.isEmpty, "\(r2)")
        #expect(r2.checked >= 20, "\(r2)")
    }
}
