import Foundation
import Testing
@testable import Eventax

/// Tests of the general network file format (`"format": "general"`): populations of every
/// built-in model and wrapper, dense / masked / `no_self` / sparse connection blocks, per-synapse
/// delays, the writer's bitwise round trip, errors that name the JSON path and value, and the
/// layered format next to it.
@Suite("NetworkFormat") struct NetworkFormatTests {
    // MARK: helpers

    /// One step of a path into a JSON document.
    enum Step: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
        case key(String)
        case index(Int)
        init(stringLiteral value: String) { self = .key(value) }
        init(integerLiteral value: Int) { self = .index(value) }
    }

    /// `document` with the value at `path` replaced by `value` (`nil` removes an object member).
    static func setting(_ document: JSONValue, _ path: [Step], _ value: JSONValue?) -> JSONValue {
        guard let step = path.first else { return value ?? .null }
        let rest = Array(path.dropFirst())
        switch (document, step) {
        case (.object(var o), .key(let k)):
            o[k] = rest.isEmpty ? value : setting(o[k] ?? .object(JSONObject()), rest, value)
            return .object(o)
        case (.array(var a), .index(let i)):
            a[i] = setting(a[i], rest, value)
            return .array(a)
        default:
            preconditionFailure("bad test path")
        }
    }

    /// A small valid general file: 2 inputs → 3 LIF (recurrent, no self-connections) → 2 EGRU
    /// (a sparse list) and the EGRU back to the LIF (dense, 3 weights go to EGRU only).
    static let base: JSONValue = [
        "format": "general", "version": 1, "inputs": 2,
        "populations": [
            ["model": "lif", "count": 3, "parameters": ["tmem": 10, "thresh": [1, 0.9, 1.1]], "learnable": ["ic", "thresh"]],
            ["model": "egru", "count": 2, "parameters": ["thresh": 0.3]],
        ],
        "connections": [
            ["from": "input", "to": 0, "weights": [[1, 2, 3], [4, 5, 6]]],
            ["from": 0, "to": 0, "weights": [[nil, 0.5, 0.25], [0.5, nil, 0.5], [0.25, 0.5, nil]], "no_self": true],
            ["from": 0, "to": 1, "synapses": [[0, 0, 0.1, 0.2, 0.3], [2, 1, 0.4, 0.5, 0.6]]],
        ],
        "outputs": [3, 4],
        "tmax": 20,
        "solver": ["method": "rk4", "dt": 0.05],
    ]

    static func text(_ value: JSONValue) -> String { value.serialized() }
    static func text(_ path: [Step], _ value: JSONValue?) -> String { setting(base, path, value).serialized() }

    /// Expects an ``EventaxError/invalid(field:_:)`` for exactly `field` whose message contains `part`.
    func expectError(_ field: String, _ part: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected an error at \(field)", sourceLocation: sourceLocation)
        } catch EventaxError.invalid(let f, let message) {
            #expect(f == field, "got \(f): \(message)", sourceLocation: sourceLocation)
            #expect(message.contains(part), "got \(f): \(message)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected .invalid(field: \(field), …), got \(error)", sourceLocation: sourceLocation)
        }
    }

    /// Whether two runs are bitwise identical (spikes, first spike times and observed states).
    static func identical(_ a: SimulationResult, _ b: SimulationResult) -> Bool {
        func bits(_ x: [Double]) -> [UInt64] { x.map(\.bitPattern) }
        return a.spikes.map(bits) == b.spikes.map(bits)
            && a.ttfs.map { $0?.bitPattern } == b.ttfs.map { $0?.bitPattern }
            && a.states.map { $0.map(bits) } == b.states.map { $0.map(bits) }
    }

    static func identical(_ a: Gradients, _ b: Gradients) -> Bool {
        a.weights.map(\.bitPattern) == b.weights.map(\.bitPattern)
            && a.parameters.map(\.bitPattern) == b.parameters.map(\.bitPattern)
            && a.inputs.map { $0.map(\.bitPattern) } == b.inputs.map { $0.map(\.bitPattern) }
    }

    /// The run-time dispatching base model inside a file-built wrapped model, if any.
    static func baseModel(of model: any NeuronModel) -> BaseModel? {
        if let b = model as? BaseModel { return b }
        if let a = model as? AMOS<BaseModel> { return a.inner }
        if let r = model as? Refractory<BaseModel> { return r.inner }
        if let a = model as? AMOS<Refractory<BaseModel>> { return a.inner.inner }
        if let r = model as? Refractory<AMOS<BaseModel>> { return r.inner.inner }
        return nil
    }

    /// The model type of neuron `n`, with a file-built ``BaseModel`` replaced by the concrete model
    /// it dispatches to (`AMOS<Refractory<BaseModel>>` running ALIF → `AMOS<Refractory<ALIF>>`).
    static func concreteType(_ net: Network, _ n: Int) -> String {
        let model = net.model(ofNeuron: n)
        let name = "\(type(of: model))"
        guard let base = baseModel(of: model) else { return name }
        return name.replacingOccurrences(of: "BaseModel", with: "\(type(of: base.model))")
    }

    /// Whether two networks have the same neurons, synapses and settings, bit for bit.
    static func sameNetwork(_ a: Network, _ b: Network) -> Bool {
        func key(_ s: Synapse) -> String { "\(s.source)>\(s.target)@\(s.delay.bitPattern):\(s.weight.map(\.bitPattern))" }
        return a.inputCount == b.inputCount && a.neuronCount == b.neuronCount && a.outputs == b.outputs
            && a.tmax.bitPattern == b.tmax.bitPattern && a.maxEvents == b.maxEvents
            && a.parameters.map(\.bitPattern) == b.parameters.map(\.bitPattern)
            && a.weights.map(\.bitPattern) == b.weights.map(\.bitPattern)
            && a.synapses.map(key) == b.synapses.map(key)
            && a.axonalDelays.map(\.bitPattern) == b.axonalDelays.map(\.bitPattern)
            && a.learnableOffset == b.learnableOffset
            && (0..<a.neuronCount).allSatisfy {
                a.learnableNames(ofNeuron: $0) == b.learnableNames(ofNeuron: $0)
                    && concreteType(a, $0) == concreteType(b, $0)
            }
            && a.solver.tableau.name == b.solver.tableau.name && a.solver.dt == b.solver.dt
            && a.solver.adaptive?.rtol == b.solver.adaptive?.rtol && a.solver.adaptive?.atol == b.solver.adaptive?.atol
            && a.solver.adaptive?.safety == b.solver.adaptive?.safety && a.solver.adaptive?.dtMax == b.solver.adaptive?.dtMax
    }

    // MARK: connection blocks

    @Test func recurrentEGRUWithoutSelfConnections() throws {
        let n = 7
        var rng = TestRNG(11)
        let recurrent: [JSONValue] = (0..<n).map { _ in .array((0..<n).map { _ in JSONValue([rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)]) }) }
        let input: [JSONValue] = (0..<2).map { _ in .array((0..<n).map { _ in JSONValue([rng.uniform(0, 2), 0.5, rng.uniform(0, 2)]) }) }
        let doc: JSONValue = [
            "format": "general", "version": 1, "inputs": 2,
            "populations": [["model": "egru", "count": .number(Double(n)), "parameters": ["thresh": 0.2]], ["model": "li", "count": 2]],
            "connections": [
                ["from": "input", "to": 0, "weights": .array(input)],
                ["from": 0, "to": 0, "weights": .array(recurrent), "no_self": true],
                ["from": 0, "to": 1, "weights": JSONValue(rng.matrix(n, 2, -1, 1))],
            ],
            "outputs": [7, 8], "tmax": 15, "solver": ["method": "heun", "dt": 0.1],
        ]
        let file = try NetworkFile(json: doc)
        #expect(file.format == .general)
        #expect(file.layerSizes == [n, 2])
        #expect(file.layerModels == ["egru", "li"])
        let net = file.network
        let rec = net.synapses.filter { if case .neuron(let m) = $0.source { return m < n && $0.target < n } else { return false } }
        #expect(rec.count == n * (n - 1))
        #expect(rec.allSatisfy { $0.source != .neuron($0.target) && $0.weight.count == 3 })
        #expect(net.synapses.count == 2 * n + n * (n - 1) + n * 2)
        // Row-major, skipping the diagonal; the weight triples are the file's.
        var k = 0
        for i in 0..<n {
            for j in 0..<n where i != j {
                #expect(rec[k].source == .neuron(i) && rec[k].target == j)
                #expect(JSONValue(rec[k].weight) == { if case .array(let row) = recurrent[i] { return row[j] } else { return .null } }())
                k += 1
            }
        }
        #expect(net.synapses.filter { $0.target >= n }.allSatisfy { $0.weight.count == 1 })
        let result = try Simulator(network: net).run([[1, 2, 3], [1.5]], readout: ReadoutRequest(observationTimes: [5, 10]))
        #expect(result.spikes.count == n + 2)
        #expect(result.states.count == 2)
        // Synapses of three and of one weight component: each synapse's components are found
        // through the offset table (no common stride).
        #expect(net.weightStride == 0)
        Self.expectWeightIndices(net)
        let layered = try Network.layered(inputCount: 3, layers: [PopulationSpec(LIF(), count: 4), PopulationSpec(LI(), count: 2)],
                                          weights: [rng.matrix(3, 4, 0, 1), rng.matrix(4, 2, 0, 1)], tmax: 10, solver: SolverConfig(tableau: .euler, dt: 0.1))
        #expect(layered.weightStride == 1)
        Self.expectWeightIndices(layered)
    }

    /// Every synapse's weight components sit at ``Network/weightIndex(ofSynapse:)`` in the flat weights.
    static func expectWeightIndices(_ net: Network) {
        for (s, syn) in net.synapses.enumerated() {
            let o = net.weightIndex(ofSynapse: s)
            #expect(o == net.weightOffset[s])
            #expect(Array(net.weights[o..<o + syn.weight.count]) == syn.weight)
        }
    }

    @Test func maskedDenseBlockCreatesOnlyTheMaskedSynapses() throws {
        let mask: JSONValue = [[1, 0, 1], [0, 0, 1]]
        let doc = Self.setting(Self.setting(Self.base, ["connections", 0, "mask"], mask),
                               ["connections", 0, "weights"], [[1, nil, 3], [4, 5, 6]])
        let file = try NetworkFile(json: doc)
        let fromInput = file.network.synapses.filter { if case .input = $0.source { return true } else { return false } }
        #expect(fromInput.map(\.source) == [.input(0), .input(0), .input(1)])
        #expect(fromInput.map(\.target) == [0, 2, 2])
        #expect(fromInput.map(\.weight) == [[1], [3], [6]])
        // The masked-out 5 is read (and checked) but creates nothing; booleans work as a mask too.
        let boolMask = try NetworkFile(json: Self.setting(doc, ["connections", 0, "mask"], [[true, false, true], [false, false, true]]))
        #expect(boolMask.network.synapses.count == file.network.synapses.count)
        // Mask and no_self together on the recurrent block: only (0,1) remains.
        let both = try NetworkFile(json: Self.setting(doc, ["connections", 1, "mask"], [[1, 1, 0], [0, 1, 0], [0, 0, 1]]))
        let rec = both.network.synapses.filter { if case .neuron(let m) = $0.source { return m < 3 && $0.target < 3 } else { return false } }
        #expect(rec.map(\.source) == [.neuron(0)] && rec.map(\.target) == [1] && rec[0].weight == [0.5])

        // Gradients come back shaped like the file: null where no synapse exists.
        let sim = Simulator(network: file.network)
        _ = try sim.run([[1, 2], [3]], readout: ReadoutRequest(observationTimes: [10]))
        let g = try sim.gradient(Cotangent(states: [[[1, 0, 0, 0]], [[0, 0, 0, 1]]]))
        let json = try file.gradientsJSON(g)
        let weights = try JSONNode(json).required("weights").array()
        #expect(weights.count == 3)
        let block0 = try weights[0].array().map { try $0.array().map(\.value) }
        #expect(block0[0][1] == .null && block0[1][0] == .null && block0[1][1] == .null)
        #expect(block0[0][0] != .null && block0[1][2] != .null)
        #expect(try weights[2].array().map { try $0.numbers().count } == [3, 3])
        #expect(try JSONNode(json).required("bias").numberMatrix().map(\.count) == [3, 2])
        let params = try JSONNode(json).required("parameters").array()
        #expect(try params[0].object().keys == ["ic", "thresh"])
        #expect(try params[1].object().keys == ["b_u", "b_r", "b_z"])
        #expect(throws: EventaxError.self) { _ = try file.weightGradients(g) }
    }

    @Test func sparseBlocks() throws {
        let doc: JSONValue = [
            "format": "general", "version": 1, "inputs": 3,
            "populations": [["model": "lif", "count": 4], ["model": "egru", "count": 2]],
            "connections": [
                ["from": "input", "to": 0, "synapses": [[2, 3, 1.5], [0, 0, -0.5], [2, 3, 0.25]]],
                ["from": 0, "to": 0, "synapses": [[1, 1, 0.75], [3, 0, 2]]],
                ["from": 0, "to": 1, "synapses": [[3, 1, 0.1, 0.2, 0.3]]],
                ["from": 1, "to": 0, "synapses": []],
            ],
            "outputs": [4], "tmax": 10,
        ]
        let net = try NetworkFile(json: doc).network
        #expect(net.synapses.map(\.source) == [.input(2), .input(0), .input(2), .neuron(1), .neuron(3), .neuron(3)])
        #expect(net.synapses.map(\.target) == [3, 0, 3, 1, 0, 5])
        #expect(net.synapses.map(\.weight) == [[1.5], [-0.5], [0.25], [0.75], [2], [0.1, 0.2, 0.3]])
        #expect(net.weights == [1.5, -0.5, 0.25, 0.75, 2, 0.1, 0.2, 0.3])
        #expect(net.synapses.allSatisfy { $0.delay == 0 })
    }

    @Test func perSynapseDelays() throws {
        var doc = Self.setting(Self.base, ["connections", 0, "delays"], [[0, 1.5, 2], [0.25, 0, 3]])
        doc = Self.setting(doc, ["connections", 1, "delays"], 0.75)
        doc = Self.setting(doc, ["connections", 2, "delays"], [4, 0.125])
        let net = try NetworkFile(json: doc).network
        #expect(net.synapses.map(\.delay) == [0, 1.5, 2, 0.25, 0, 3] + [Double](repeating: 0.75, count: 6) + [4, 0.125])
        // null is allowed where no synapse exists (the diagonal of the no_self block).
        let withNull = Self.setting(doc, ["connections", 1, "delays"], [[nil, 1, 1], [1, nil, 1], [1, 1, nil]])
        #expect(try NetworkFile(json: withNull).network.synapses[6..<12].allSatisfy { $0.delay == 1 })
        // The delays act: a delayed input reaches its target later.
        let sim = Simulator(network: net)
        let r = try sim.run([[1], []], readout: ReadoutRequest(observationTimes: [1.2, 2.5]))
        #expect(r.spikes.count == 5)
    }

    @Test func axonalDelaysAreReadPerNeuronAndAct() throws {
        let doc = Self.setting(Self.setting(Self.base, ["populations", 0, "axonal_delays"], [0, 0.5, 2]), ["populations", 1, "axonal_delays"], 0.25)
        let net = try NetworkFile(json: doc).network
        #expect(net.axonalDelays == [0, 0.5, 2, 0.25, 0.25])
        // Every synapse from neuron 2 carries its 2 ms on top of its own delay; input synapses none.
        for (s, syn) in net.synapses.enumerated() {
            var expected = max(0, syn.delay)
            if case .neuron(let m) = syn.source { expected += net.axonalDelays[m] }
            #expect(net.effectiveDelay(ofSynapse: s) == expected)
        }
        // Without the key all are 0.
        #expect(try NetworkFile(json: Self.base).network.axonalDelays.allSatisfy { $0 == 0 })
    }

    @Test func writerRejectsNegativeDelaysNamingThem() throws {
        let net = try NetworkFile(json: Self.rich).network
        let negativeSynaptic = try net.withDelays(synaptic: net.delays.enumerated().map { $0.offset == 3 ? -0.5 : $0.element })
        expectError("delays[3]", "is -0.5; files hold delays ≥ 0") { _ = try NetworkFile.generalJSON(negativeSynaptic) }
        let negativeAxonal = try net.withDelays(axonal: net.axonalDelays.enumerated().map { $0.offset == 4 ? -1 : $0.element })
        expectError("axonalDelays[4]", "is -1; files hold delays ≥ 0") { _ = try NetworkFile.generalJSON(negativeAxonal) }
    }

    // MARK: writing

    /// A recurrent network with every feature: wrappers, per-neuron parameters, learnable lists,
    /// masks, no_self, sparse lists, delays, an adaptive solver with a custom controller.
    static let rich: JSONValue = [
        "format": "general", "version": 1, "inputs": 2,
        "populations": [
            ["model": "alif", "count": 3, "wrap": ["refractory", "amos"], "parameters": ["tref": [0.5, 1, 1.5], "beta": 2, "thresh": 0.4]],
            ["model": "egru", "count": 3, "parameters": ["thresh": 0.1, "b_u": [-1, -0.5, 0]], "learnable": ["b_u", "tmem"], "axonal_delays": [0, 0.15, 0.05]],
            ["model": "plif", "count": 2, "wrap": [["type": "refractory", "block_input": true, "tref": 0.3]], "parameters": ["thresh": 0.3], "axonal_delays": 0.1],
            ["model": "integrating_li", "count": 2],
        ],
        "connections": [
            ["from": "input", "to": 0, "weights": [[2, 1.5, 3], [1, 2.5, 0.5]], "delays": [[0, 0.2, 0.1], [0.3, 0, 0]]],
            ["from": "input", "to": 1, "weights": [[[1, 0.5, 2], [0.5, 0.5, 1.5], [2, 1, 1]], [[0, 0, 0], [1, 1, 1], [0.5, -1, 2]]]],
            ["from": 1, "to": 1, "no_self": true, "weights": [[nil, [0.1, 0.2, 0.3], [0.3, 0.2, 0.1]], [[0.1, -0.2, 0.3], nil, [0.2, 0.2, 0.2]], [[0.4, 0.1, 0.3], [0.1, 0.3, 0.5], nil]], "delays": 0.05],
            ["from": 0, "to": 2, "weights": [[1.5, 0.25], [0.5, 2], [3, 1]], "mask": [[1, 0], [1, 1], [0, 1]]],
            ["from": 1, "to": 2, "synapses": [[2, 0, 0.7], [0, 1, 1.1]], "delays": [0.4, 0]],
            ["from": 2, "to": 0, "synapses": [[1, 2, 0.9]]],
            ["from": 2, "to": 3, "weights": [[1, -1], [0.5, 2]]],
            ["from": 1, "to": 3, "weights": [[0.3, 0.1], [0.2, 0.2], [0.1, 0.3]]],
        ],
        "outputs": [8, 9, 0],
        "tmax": 12,
        "solver": ["method": "tsit5", "dt": 0.01, "rtol": 1e-6, "atol": 1e-8, "safety": 0.8, "dt_max": 0.5],
        "maxEvents": 100000,
    ]

    @Test func writeThenReadIsBitwiseIdentical() throws {
        let file = try NetworkFile(json: Self.rich)
        let net = file.network
        let text = try NetworkFile.generalJSON(net).serialized()
        let back = try NetworkFile(parsing: text)
        #expect(back.format == .general)
        #expect(Self.sameNetwork(net, back.network))
        #expect(back.layerModels == file.layerModels)
        // The writer reproduces the file's blocks (dense/mask/no_self/sparse), so gradients keep their shape.
        let blocks = try JSONNode(try JSONValue.parse(text, source: "written")).required("connections").array()
        #expect(blocks.count == 8)
        #expect(try blocks[2].optional("no_self")?.bool() == true)
        #expect(try blocks[3].optional("mask") != nil)
        #expect(try blocks[4].optional("synapses") != nil && blocks[5].optional("synapses") != nil)

        let input: [[Double]] = [[0.5, 2, 4.5], [1, 3]]
        let readout = ReadoutRequest(observationTimes: [3, 6, 11.5])
        let cot = Cotangent(ttfs: [0, 0, 1], states: [[[0, 1, 0.5], [0, 0, 0], [1, 0, 0]], [[0, 0, 0], [0, 1, 0], [0, 0, 1]], [[0, 0, 0], [0, 0, 0], [0, 0, 0]]])
        let a = Simulator(network: net), b = Simulator(network: back.network)
        let ra = try a.run(input, readout: readout), rb = try b.run(input, readout: readout)
        #expect(ra.spikes.contains { !$0.isEmpty }, "the test network should spike")
        #expect(Self.identical(ra, rb))
        #expect(Self.identical(try a.gradient(cot), try b.gradient(cot)))
        #expect(try file.gradientsJSON(try a.gradient(cot)) == back.gradientsJSON(try b.gradient(cot)))

        // Writing the re-read network gives the same text.
        #expect(try NetworkFile.generalJSON(back.network).serialized() == text)
    }

    @Test func trainedNetworkBuiltInCodeRoundTripsThroughAFile() throws {
        // A recurrent network built in code, synapses in no particular order (sparse blocks),
        // a wrapper order the reader must keep (Refractory outside AMOS), then "trained" weights.
        var rng = TestRNG(5)
        var synapses: [Synapse] = []
        for c in 0..<2 { for j in 0..<4 { synapses.append(Synapse(from: .input(c), to: j, weight: [rng.uniform(2, 6)])) } }
        for i in (0..<4).reversed() {
            for j in 0..<4 where i != j && rng.uniform(0, 1) < 0.6 {
                synapses.append(Synapse(from: .neuron(i), to: j, weight: [rng.uniform(-1, 1)], delay: rng.uniform(0, 0.5)))
            }
        }
        for i in 0..<4 { synapses.append(Synapse(from: .neuron(i), to: 4, weight: [rng.uniform(-1, 1)])) }
        let net = try Network(inputCount: 2,
                              populations: [PopulationSpec(Refractory(AMOS(QIF()), blockInput: true), count: 4, parameters: ["tref": [0.2], "ic": [0.1, -0.1, 0, 0.05]]),
                                            PopulationSpec(LI(), count: 1, learnable: ["tmem"])],
                              synapses: synapses, outputs: [4, 1], tmax: 10, solver: SolverConfig(tableau: .midpoint, dt: 0.02))
        let trained = try net.withWeights(net.weights.map { $0 * 1.25 + 0.001 }, parameters: net.parameters.map { $0 == 0 ? 0 : $0 * 1.0001 })

        let dir = temporaryFolder("eventax-netfmt")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("trained.json").path
        try NetworkFile.write(trained, to: path)
        let back = try NetworkFile(contentsOf: path)
        #expect(Self.sameNetwork(trained, back.network))
        #expect(Self.concreteType(back.network, 0) == "\(Refractory<AMOS<QIF>>.self)")
        #expect(back.network.model(ofNeuron: 0) is Refractory<AMOS<BaseModel>>)
        let input: [[Double]] = [[0.2, 1, 4], [2.5]]
        let readout = ReadoutRequest(observationTimes: [2, 9])
        let a = Simulator(network: trained), b = Simulator(network: back.network)
        let ra = try a.run(input, readout: readout)
        #expect(Self.identical(ra, try b.run(input, readout: readout)))
        let cot = Cotangent(states: [[[1, 0], [0, 1]], [[0, 0], [1, 0]]])
        #expect(Self.identical(try a.gradient(cot), try b.gradient(cot)))
    }

    /// A population built in Swift with a concrete wrapped type and the same population read from
    /// its file (where the wrappers hold a run-time dispatching ``BaseModel``) compute bitwise the same.
    @Test(arguments: ["amos(refractory(alif))", "refractory(egru)", "amos(plif)", "refractory(amos(qif))"])
    func wrappedModelsComputeWhatTheirConcreteTypesCompute(label: String) throws {
        let n = 3
        let spec: PopulationSpec
        switch label {
        case "amos(refractory(alif))": spec = PopulationSpec(AMOS(Refractory(ALIF())), count: n, parameters: ["thresh": [0.3], "tref": [0.5, 1, 2]])
        case "refractory(egru)": spec = PopulationSpec(Refractory(EGRU(), blockInput: true), count: n, parameters: ["thresh": [0.05]])
        case "amos(plif)": spec = PopulationSpec(AMOS(PLIF()), count: n, parameters: ["thresh": [0.4]], learnable: ["log_tmem", "thresh"])
        default: spec = PopulationSpec(Refractory(AMOS(QIF())), count: n, parameters: ["tref": [0.3], "tmem": [2], "ic": [1]])
        }
        let wps = spec.model.weightsPerSynapse
        var rng = TestRNG(3)
        var synapses: [Synapse] = []
        for c in 0..<2 { for j in 0..<n { synapses.append(Synapse(from: .input(c), to: j, weight: (0..<wps).map { _ in rng.uniform(1, 8) })) } }
        for i in 0..<n { for j in 0..<n where i != j { synapses.append(Synapse(from: .neuron(i), to: j, weight: (0..<wps).map { _ in rng.uniform(-1, 1) })) } }
        let net = try Network(inputCount: 2, populations: [spec], synapses: synapses, outputs: [0, 2], tmax: 8, solver: SolverConfig(tableau: .rk4, dt: 0.05))
        let back = try NetworkFile(json: NetworkFile.generalJSON(net)).network
        #expect(Self.baseModel(of: back.model(ofNeuron: 0)) != nil)
        #expect(Self.sameNetwork(net, back))
        let input: [[Double]] = [[0.5, 1, 3], [2]]
        let readout = ReadoutRequest(observationTimes: [2, 6])
        let a = Simulator(network: net), b = Simulator(network: back)
        let ra = try a.run(input, readout: readout)
        #expect(ra.spikes.contains { !$0.isEmpty }, "\(label) should spike")
        #expect(Self.identical(ra, try b.run(input, readout: readout)))
        let channels = ra.states[0][0].count
        let cot = Cotangent(states: [[[Double]](repeating: [Double](repeating: 0.5, count: channels), count: 2), [[Double]](repeating: [Double](repeating: -1, count: channels), count: 2)])
        #expect(Self.identical(try a.gradient(cot), try b.gradient(cot)))
    }

    @Test func everyModelAndWrapperHasAName() throws {
        let chains: [[ModelWrapper]] = [[], [.amos(freeze: false)], [.amos(freeze: true)], [.refractory(blockInput: false)], [.refractory(blockInput: true), .amos(freeze: true)], [.amos(freeze: false), .refractory(blockInput: false)]]
        var count = 0
        for name in NetworkFile.generalModelNames {
            let spiking = name != "li" && name != "integrating_li"
            for wrappers in spiking ? chains : [[]] {
                let wrap: [JSONValue] = wrappers.map {
                    if case .refractory(true) = $0 { return ["type": "refractory", "block_input": true] }
                    if case .amos(true) = $0 { return ["type": "amos", "freeze": true] }
                    return .string($0.name)
                }
                let wps = name == "egru" ? 3 : 1
                let w: JSONValue = wps == 1 ? 0.5 : [0.5, 0.5, 0.5]
                let doc: JSONValue = [
                    "format": "general", "version": 1, "inputs": 1,
                    "populations": [["model": .string(name.uppercased()), "count": 2, "wrap": .array(wrap)]],
                    "connections": [["from": "input", "to": 0, "weights": [[w, w]]]],
                    "outputs": [0, 1], "tmax": 5,
                ]
                let file = try NetworkFile(json: doc)
                #expect(file.layerModels == [name])
                let model = file.network.model(ofNeuron: 0)
                #expect(model.weightsPerSynapse == wps)
                let again = try NetworkFile(json: NetworkFile.generalJSON(file.network))
                #expect("\(type(of: again.network.model(ofNeuron: 0)))" == "\(type(of: model))", "\(name) \(wrappers)")
                #expect(Self.concreteType(file.network, 0).hasPrefix(wrappers.last.map { $0.name == "amos" ? "AMOS<" : "Refractory<" } ?? ""))
                #expect(Self.sameNetwork(file.network, again.network), "\(name) \(wrappers)")
                // The writer keeps every wrapper option (AMOS's freeze, Refractory's block_input).
                let written = try NetworkFile.generalJSON(file.network)
                #expect(try NetworkFile.generalJSON(again.network) == written, "\(name) \(wrappers)")
                var writtenWrap: [JSONValue] = []
                if case .object(let o) = written, case .array(let pops)? = o["populations"], case .object(let p)? = pops.first,
                   case .array(let w)? = p["wrap"] { writtenWrap = w }
                #expect(writtenWrap == wrap, "\(name) \(wrappers)")
                // Every parameter learnable: the most derivative lanes this combination can need.
                let all = JSONValue.array(model.parameters.map { .string($0.name) })
                let everything = try NetworkFile(json: Self.setting(doc, ["populations", 0, "learnable"], all))
                #expect(everything.network.learnableNames(ofNeuron: 1).count == model.parameters.count)
                count += 1
            }
        }
        #expect(count == 8 * 6 + 2)
        // The concrete types behind the names.
        func typeName(_ doc: String) throws -> String { Self.concreteType(try NetworkFile(parsing: doc).network, 0) }
        let one = { (model: String, wrap: String) in
            "{\"format\":\"general\",\"version\":1,\"inputs\":0,\"populations\":[{\"model\":\"\(model)\",\"count\":1,\"wrap\":\(wrap)}],\"outputs\":[],\"tmax\":1}"
        }
        #expect(try typeName(one("plif", "[]")) == "\(PLIF.self)")
        #expect(try typeName(one("pqif", "[\"amos\"]")) == "\(AMOS<PQIF>.self)")
        #expect(try typeName(one("lif", "[\"refractory\", \"amos\"]")) == "\(AMOS<Refractory<LIF>>.self)")
        #expect(try typeName(one("integrating_li", "[]")) == "\(IntegratingLI.self)")
        #expect(try typeName(one("egru", "[\"amos\", \"refractory\"]")) == "\(Refractory<AMOS<EGRU>>.self)")
        // AMOS around the trainer's models keeps its concrete type; other wrappers dispatch at run time.
        #expect(try NetworkFile(parsing: one("lif", "[\"amos\"]")).network.model(ofNeuron: 0) is AMOS<LIF>)
        #expect(try NetworkFile(parsing: one("alif", "[\"amos\"]")).network.model(ofNeuron: 0) is AMOS<BaseModel>)

        // A model without a name cannot be written, and the error says which population.
        struct Custom: NeuronModel {
            var stateNames: [String] { ["v"] }
            var parameters: [ParameterSpec] { [] }
            func initialState<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) { s[0] = T(0) }
            func dynamics<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>, _ ds: Vars<T>) { ds[0] = T(0) }
            func spikeCondition<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) -> T { s[0] - 1.0 }
            func inputJump<T: NeuronScalar>(_ s: Vars<T>, _ w: Vars<T>, _ p: Vars<T>) { s[0] = s[0] + w[0] }
            func reset<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) { s[0] = T(0) }
        }
        let custom = try Network(inputCount: 0, populations: [PopulationSpec(LIF(), count: 1), PopulationSpec(AMOS(Custom()), count: 1)],
                                 synapses: [], outputs: [1], tmax: 1)
        expectError("populations[1].model", "has no name in the network file format") { _ = try NetworkFile.generalJSON(custom) }
        let oddLog = try Network(inputCount: 0, populations: [PopulationSpec(LogTimeConstants(LIF(), names: ["tmem"]), count: 1)],
                                 synapses: [], outputs: [0], tmax: 1)
        expectError("populations[0].model", "LogTimeConstants<LIF>") { _ = try NetworkFile.generalJSON(oddLog) }
    }

    // MARK: errors

    /// (file text, field the error must name, part of the message).
    static let badFiles: [(String, String, String)] = [
        // masks
        (text(["connections", 1, "mask"], [[0, 1, 1], [1, 0, 7], [1, 1, 0]]), "connections[1].mask[1][2]", "expected 0 or 1, got 7"),
        (text(["connections", 1, "mask"], [[0, 1, 1], [1, 0, "x"], [1, 1, 0]]), "connections[1].mask[1][2]", "expected 0 or 1, got \"x\""),
        (text(["connections", 1, "mask"], [[0, 1, 1], [1, 0, 1]]), "connections[1].mask", "has 2 rows, expected 3 (one per neuron of population 0)"),
        // dense shapes and values
        (text(["connections", 0, "weights"], [[1, 2, 3], [4, 5]]), "connections[0].weights[1]", "has 2 entries, expected 3 (one per neuron of population 0)"),
        (text(["connections", 0, "weights"], [[1, 2, 3]]), "connections[0].weights", "has 1 rows, expected 2 (one per input channel)"),
        (text(["connections", 0, "weights"], 3), "connections[0].weights", "expected a matrix (an array of rows), got 3"),
        (text(["connections", 0, "weights", 0, 1], nil), "connections[0].weights[0][1]", "expected a number (the synapse is present), got null"),
        (text(["connections", 0, "weights", 0, 1], "2"), "connections[0].weights[0][1]", "expected a number, got \"2\""),
        (text(["connections", 1, "weights", 0, 0], true), "connections[1].weights[0][0]", "expected a number, got true"),
        (text(["connections", 2], ["from": 0, "to": 1, "weights": [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]]), "connections[2].weights[0][0]",
         "expected an array of 3 numbers (the egru model takes 3 weights per synapse), got 0.5"),
        (text(["connections", 2], ["from": 0, "to": 1, "weights": [[[1, 2, 3], [1, 2, 3]], [[1, 2, 3], [1, 2, "w"]], [[1, 2, 3], [1, 2, 3]]]]),
         "connections[2].weights[1][1][2]", "expected a number, got \"w\""),
        (text(["connections", 0, "no_self"], true), "connections[0].no_self",
         "applies to a recurrent block only (from and to the same population), got from \"input\" to population 0"),
        (text(["connections", 1, "no_self"], 1), "connections[1].no_self", "expected true or false, got 1"),
        // sparse lists
        (text(["connections", 2, "synapses", 1, 0], 5), "connections[2].synapses[1][0]", "index 5 is out of range (population 0 has 3 neurons)"),
        (text(["connections", 2, "synapses", 1, 1], -1), "connections[2].synapses[1][1]", "index -1 is out of range (population 1 has 2 neurons)"),
        (text(["connections", 2, "synapses", 1, 1], 0.5), "connections[2].synapses[1][1]", "expected an integer index, got 0.5"),
        (text(["connections", 2, "synapses", 0], [0, 0, 0.1]), "connections[2].synapses[0]",
         "expected [i, j, then 3 weights] (the egru model takes 3 weights per synapse), got an array of 3 values"),
        (text(["connections", 2, "synapses", 0, 4], nil), "connections[2].synapses[0][4]", "expected a number, got null"),
        (text(["connections", 2, "delays"], [1]), "connections[2].delays", "has 1 entries, expected one per synapse (2)"),
        (text(["connections", 2, "weights"], [[1]]), "connections[2]", "has both weights (a dense block) and synapses (a sparse list)"),
        (text(["connections", 2, "synapses"], nil), "connections[2]", "needs weights (a dense block) or synapses"),
        (text(["connections", 2, "mask"], [[1]]), "connections[2].mask", "unknown key (allowed keys: from, to, synapses, delays)"),
        // delays
        (text(["connections", 0, "delays"], [[0, 1, -2], [0, 0, 0]]), "connections[0].delays[0][2]", "must be ≥ 0, got -2"),
        (text(["connections", 0, "delays"], -0.5), "connections[0].delays", "must be ≥ 0, got -0.5"),
        (text(["connections", 0, "delays"], "soon"), "connections[0].delays", "expected a number (every synapse) or a matrix [pre][post], got \"soon\""),
        (text(["populations", 0, "axonal_delays"], -1), "populations[0].axonal_delays", "must be ≥ 0, got -1"),
        (text(["populations", 0, "axonal_delays"], [0, 1, -0.25]), "populations[0].axonal_delays[2]", "must be ≥ 0, got -0.25"),
        (text(["populations", 0, "axonal_delays"], [0, 1]), "populations[0].axonal_delays", "has 2 values, expected one per neuron (3)"),
        (text(["populations", 0, "axonal_delays"], "late"), "populations[0].axonal_delays", "expected a number ≥ 0 (or an array with one per neuron), got \"late\""),
        // from / to
        (text(["connections", 0, "from"], 7), "connections[0].from", "population 7 does not exist (the network has 2 populations)"),
        (text(["connections", 0, "from"], "inputs"), "connections[0].from", "expected \"input\" or a population index, got \"inputs\""),
        (text(["connections", 0, "to"], "input"), "connections[0].to", "expected a population index, got \"input\""),
        (text(["connections", 0, "to"], 1.5), "connections[0].to", "expected an integer, got 1.5"),
        // populations
        (text(["populations", 1, "model"], "hh"), "populations[1].model",
         "unknown model \"hh\" (known: lif, li, qif, eif, izhikevich, alif, egru, plif, pqif, integrating_li)"),
        (text(["populations", 0, "wrap"], ["amos", "sticky"]), "populations[0].wrap[1]", "unknown wrapper \"sticky\" (known: amos, refractory)"),
        (text(["populations", 0, "wrap"], ["amos", "amos"]), "populations[0].wrap[1]", "amos appears twice"),
        (text(["populations", 0, "wrap"], [["type": "refractory", "tref": -1]]), "populations[0].wrap[0].tref", "must be > 0, got -1"),
        (text(["populations", 0, "wrap"], [["type": "amos", "tref": 1]]), "populations[0].wrap[0].tref", "unknown key (allowed keys: type, freeze)"),
        (text(["populations", 0, "wrap"], [["type": "amos", "freeze": 1]]), "populations[0].wrap[0].freeze", "expected true or false, got 1"),
        (text(["populations", 0, "wrap"], [4]), "populations[0].wrap[0]", "expected a wrapper name (amos, refractory) or an object {\"type\": …}, got 4"),
        (setting(setting(base, ["populations", 0, "wrap"], [["type": "refractory", "tref": 1]]), ["populations", 0, "parameters", "tref"], 2).serialized(),
         "populations[0].wrap[0].tref", "conflicts with populations[0].parameters.tref"),
        (text(["populations", 1], ["model": "li", "count": 2, "wrap": ["refractory"]]), "populations[1].wrap[0]",
         "the li model never spikes; refractory applies to spiking models only"),
        (text(["populations", 0, "parameters", "thresh"], [1, 2]), "populations[0].parameters.thresh", "has 2 values; give one number, or one per neuron (3)"),
        (text(["populations", 0, "parameters", "tmem"], -1), "populations[0].parameters.tmem", "must be > 0, got -1"),
        (text(["populations", 0, "parameters", "tmem"], [10, 0, 10]), "populations[0].parameters.tmem[1]", "must be > 0, got 0"),
        (text(["populations", 0, "parameters", "tmem"], "fast"), "populations[0].parameters.tmem", "expected a number (or an array with one per neuron), got \"fast\""),
        (text(["populations", 0, "parameters", "b_u"], 1), "populations[0].parameters.b_u", "not a parameter of the lif model"),
        (setting(setting(base, ["populations", 0, "wrap"], ["refractory", "amos"]), ["populations", 0, "parameters", "tadapt"], 10).serialized(),
         "populations[0].parameters.tadapt", "not a parameter of the amos(refractory(lif)) model"),
        (text(["populations", 1, "learnable"], ["tmem", "w"]), "populations[1].learnable[1]", "\"w\" is not a parameter of the egru model"),
        (text(["populations", 0, "count"], -3), "populations[0].count", "must be an integer ≥ 0, got -3"),
        (text(["populations", 0, "size"], 3), "populations[0].size", "unknown key (allowed keys: model, count, parameters, learnable, wrap, axonal_delays)"),
        (text(["populations", 0, "model"], nil), "populations[0].model", "is missing"),
        // top level
        (text(["outputs"], [3, 5]), "outputs[1]", "neuron 5 does not exist (the network has 5 neurons"),
        (text(["outputs"], [3, "a"]), "outputs[1]", "expected an integer (a neuron index), got \"a\""),
        (text(["version"], 2), "version", "unsupported version 2 of the general format (this build reads version 1)"),
        (text(["version"], nil), "version", "is missing (a required key)"),
        (text(["format"], "graph"), "format", "unknown format \"graph\" (known: layered, general)"),
        (text(["format"], 2), "format", "expected a string, got 2"),
        (text(["layers"], [3]), "layers", "unknown key (allowed keys: format, version, inputs, populations, connections"),
        (text(["tmax"], 0), "tmax", "must be > 0, got 0"),
        (text(["inputs"], -1), "inputs", "must be an integer ≥ 0, got -1"),
        (text(["solver"], ["method": "tsit5", "safety": 0.8]), "solver.safety", "applies to adaptive steps only; give rtol or atol as well"),
        (text(["solver"], ["method": "tsit5", "rtol": 1e-6, "factor_max": 0]), "solver.factor_max", "must be > 0, got 0"),
        (text(["solver"], ["method": "rk45"]), "solver.method", "unknown method \"rk45\""),
        ("{\"format\": \"general\", ", "network", "malformed JSON"),
    ]

    @Test(arguments: badFiles)
    func errorsNameThePathAndTheValue(text: String, field: String, part: String) {
        expectError(field, part) { _ = try NetworkFile(parsing: text) }
        #expect(!field.isEmpty)
    }

    /// Replacing any value of a valid file by a wrong one gives an error (or a valid file), never a trap.
    @Test func arbitraryBadValuesNeverTrap() {
        var paths: [[Step]] = []
        func walk(_ v: JSONValue, _ path: [Step]) {
            paths.append(path)
            switch v {
            case .object(let o): for k in o.keys { walk(o[k]!, path + [.key(k)]) }
            case .array(let a): for (i, e) in a.enumerated() { walk(e, path + [.index(i)]) }
            default: break
            }
        }
        walk(Self.rich, [])
        let replacements: [JSONValue] = [nil, -1, 0, 1e300, 2.5, 4_000_000_000, "x", [], [[]], [:], true]
        var outcomes = (ok: 0, invalid: 0)
        for path in paths.dropFirst() {
            for r in replacements {
                do {
                    _ = try NetworkFile(json: Self.setting(Self.rich, path, r))
                    outcomes.ok += 1
                } catch EventaxError.invalid(let field, let message) {
                    #expect(!field.isEmpty && !message.isEmpty)
                    outcomes.invalid += 1
                } catch {
                    Issue.record("\(path) = \(r.summary): unexpected \(error)")
                }
            }
        }
        #expect(outcomes.invalid > 0 && outcomes.ok > 0)
    }

    // MARK: the layered format and the CLI

    @Test func layeredFilesStillLoad() throws {
        let example = try NetworkFile(contentsOf: CLITests.networkExample)
        #expect(example.format == .layered)
        #expect(example.layerSizes == [4, 2])
        guard case .object(var o) = try JSONValue.read(contentsOf: CLITests.networkExample) else { Issue.record("not an object"); return }
        o["format"] = "layered"
        o["version"] = 1
        let explicit = try NetworkFile(json: .object(o))
        #expect(explicit.format == .layered)
        #expect(Self.sameNetwork(explicit.network, example.network))
        o["version"] = 3
        expectError("version", "unsupported version 3 of the layered format") { _ = try NetworkFile(json: .object(o)) }

        // A layered network written in the general format simulates identically.
        let general = try NetworkFile(json: NetworkFile.generalJSON(example.network))
        #expect(general.format == .general)
        #expect(Self.sameNetwork(general.network, example.network))
        let input: [[Double]] = [[1, 4], [2], [0.5, 3]]
        #expect(Self.identical(try Simulator(network: example.network).run(input), try Simulator(network: general.network).run(input)))
    }

    /// The complete example files in `docs/network-format.md` (indented blocks that start a layered or general file).
    static func documentedExamples() throws -> [String] {
        let doc = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/network-format.md")
        var blocks: [[Substring]] = [], current: [Substring] = []
        for line in try String(contentsOf: doc, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("    ") { current.append(line.dropFirst(4)); continue }
            if !current.isEmpty { blocks.append(current); current = [] }
        }
        return blocks.map { $0.joined(separator: "\n") }
            .filter { $0.hasPrefix("{\"format\": \"general\"") || $0.hasPrefix("{\"neuron\"") }
    }

    @Test func documentedExamplesAreValid() throws {
        let examples = try Self.documentedExamples()
        #expect(examples.count == 2)
        for text in examples {
            let file = try NetworkFile(parsing: text, source: "docs/network-format.md")
            _ = try Simulator(network: file.network).run((0..<file.inputCount).map { [Double($0) + 1] })
            guard file.format == .general else { continue }
            // As the document says: 6 recurrent EGRU synapses with 0.5 ms delays, 4 masked, 2 sparse.
            let net = file.network
            #expect(net.synapses.count == 6 + 6 + 4 + 2)
            #expect(net.synapses.filter { $0.delay == 0.5 }.count == 6)
            #expect(net.outputs == [5, 3])
            #expect(net.learnableNames(ofNeuron: 3) == ["ic", "thresh"])
        }
    }

    @Test(CLITests.needsBinary)
    func eventaxRunReadsGeneralFiles() throws {
        let dir = temporaryFolder("eventax-netfmt-cli")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let network = dir.appendingPathComponent("net.json"), input = dir.appendingPathComponent("in.json")
        let cot = dir.appendingPathComponent("cot.json"), bad = dir.appendingPathComponent("bad.json")
        try Self.base.serialized().write(to: network, atomically: true, encoding: .utf8)
        try "{\"spikes\": [[1, 2], [3]]}".write(to: input, atomically: true, encoding: .utf8)
        try "{\"states\": [[[1, 0, 0, 0]], [[0, 0, 0, 1]]]}".write(to: cot, atomically: true, encoding: .utf8)
        try Self.text(["connections", 1, "mask"], [[0, 1, 1], [1, 0, 7], [1, 1, 0]]).write(to: bad, atomically: true, encoding: .utf8)

        let ok = try CLITests.runBinary(["run", network.path, input.path, "--observe", "10", "--cotangent", cot.path])
        #expect(ok.status == 0, "stderr: \(ok.stderr)")
        let root = JSONNode(try JSONValue.parse(ok.stdout, source: "stdout"))
        #expect(try root.required("spikes").array().count == 5)
        let gradients = try root.required("gradients")
        let weights = try gradients.required("weights").array()
        #expect(weights.count == 3)
        #expect(try weights[1].array()[0].array()[0].value == .null)
        #expect(try weights[2].array().map { try $0.numbers().count } == [3, 3])

        let failed = try CLITests.runBinary(["run", bad.path, input.path])
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("connections[1].mask[1][2]: expected 0 or 1, got 7"), "stderr: \(failed.stderr)")
    }
}
