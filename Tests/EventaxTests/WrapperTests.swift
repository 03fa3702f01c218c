import Testing
import Foundation
@testable import Eventax

@Suite struct WrapperTests {
    @Test("Refractory: no spike and frozen dynamics for tref after a spike; gradients match finite differences")
    func refractory() throws {
        let solver = SolverConfig(tableau: .rk4, dt: 0.01)
        func net(_ tref: Double, block: Bool) throws -> Network {
            try Network.layered(inputCount: 1, layers: [PopulationSpec(Refractory(LIF(), blockInput: block), count: 2,
                                                                        parameters: ["ic": [1.6, 1.3], "tref": [tref]], learnable: ["ic", "tsyn"])],
                                weights: [[[2, 1]]], tmax: 80, solver: solver)
        }
        let free = try Simulator(network: net(1e-9, block: false)).run([[3.1234, 20.3417]])
        let refr = try Simulator(network: net(4, block: false)).run([[3.1234, 20.3417]])
        for n in 0..<2 {
            let isi = zip(refr.spikes[n].dropFirst(), refr.spikes[n]).map { $0 - $1 }
            #expect(isi.allSatisfy { $0 > 4 }, "inter-spike intervals \(isi)")
            #expect(refr.spikes[n].count < free.spikes[n].count)
        }
        for block in [false, true] {
            let r = try finiteDifferenceCheck(net(4, block: block), input: [[3.1234, 20.3417]], readout: .full,
                                              cotangent: Cotangent(spikes: refr.spikes.map { $0.enumerated().map { Double($0.offset % 3) - 0.7 } }),
                                              eps: 1e-6)  // many short segments: a larger ε often changes their step counts
            #expect(r.failures.isEmpty, "\(r)")
            #expect(r.checked >= 4, "\(r)")
        }
    }
}
