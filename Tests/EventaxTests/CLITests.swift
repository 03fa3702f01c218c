import Foundation
import Testing
@testable import Eventax

/// Tests of the JSON file formats (networks, inputs, cotangents, results) and of the `eventax` binary.
@Suite struct CLITests {
    /// `<package root>/examples`, three levels above this file (Tests/EventaxTests/CLITests.swift).
    static let examplesDirectory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("examples")

    static var networkExample: String { examplesDirectory.appendingPathComponent("lif-3-4-2.json").path }
    static var inputExample: String { examplesDirectory.appendingPathComponent("input-3.json").path }

    /// A valid two-layer network file; `patch` edits its members before it is written.
    static func networkText(_ patch: (inout JSONObject) -> Void = { _ in }) -> String {
        var o: JSONObject = [
            "neuron": ["model": "lif", "tmem": 20, "tsyn": 5, "thresh": 1, "vreset": 0],
            "inputs": 2,
            "layers": [3, 2],
            "weights": [[[1, 2, 3], [4, 5, 6]], [[1, 2], [3, 4], [5, 6]]],
            "tmax": 30,
            "solver": ["method": "rk4", "dt": 0.05],
        ]
        patch(&o)
        return JSONValue.object(o).serialized()
    }

    /// Runs `body`, expecting an ``EventaxError/invalid(field:_:)`` for exactly `field` whose message contains `part`.
    func expectInvalid(_ field: String, _ part: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
        let error = #expect(throws: EventaxError.self, sourceLocation: sourceLocation) { try body() }
        guard let error else { return }
        guard case .invalid(let f, let message) = error else {
            Issue.record("expected .invalid(field: \(field), …), got \(error)", sourceLocation: sourceLocation)
            return
        }
        #expect(f == field, "message: \(error)", sourceLocation: sourceLocation)
        #expect(message.contains(part), "message: \(error)", sourceLocation: sourceLocation)
        #expect(error.description.hasPrefix(field + ": "), sourceLocation: sourceLocation)
    }

    // MARK: valid files

    @Test func exampleNetworkHasTheRightShapes() throws {
        let file = try NetworkFile(contentsOf: Self.networkExample)
        let net = file.network
        #expect(file.layerSizes == [4, 2])
        #expect(file.layerModels == ["lif", "lif"])
        #expect(net.inputCount == 3)
        #expect(net.neuronCount == 6)
        #expect(net.outputs == [4, 5])
        #expect(net.weights.count == 3 * 4 + 4 * 2)
        #expect(net.tmax == 30)
        #expect(net.solver.tableau.name == "tsit5")
        #expect(net.solver.dt == 0.01)
        #expect(net.solver.adaptive == nil)
        // weights[l][pre][post] map to synapses in row-major order.
        let raw = try JSONValue.read(contentsOf: Self.networkExample)
        let W = try JSONNode(raw).required("weights").numberTensor()
        var s = 0
        for m in W { for row in m { for w in row { #expect(net.weights[net.weightIndex(ofSynapse: s)] == w); s += 1 } } }
        #expect(net.synapses[12].source == .neuron(0) && net.synapses[12].target == 4)

        let input = try InputFile(contentsOf: Self.inputExample, channels: net.inputCount)
        #expect(input.spikes.count == 3)
    }

    @Test func outputNeuronBiasLearnableAndSolverOptions() throws {
        let text = Self.networkText {
            $0["output_neuron"] = ["model": "li", "tmem": 10]
            $0["neuron"] = ["model": "qif", "tmem": [10, 20, 30], "learnable": ["ic", "tmem"]]
            $0["bias"] = [[0.1, 0.2, 0.3], nil]
            $0["solver"] = ["method": "tsit5", "rtol": 1e-4]
            $0["maxEvents"] = 5000
        }
        let file = try NetworkFile(parsing: text)
        let net = file.network
        #expect(file.layerModels == ["qif", "li"])
        #expect(net.model(ofNeuron: 0) is QIF)
        #expect(net.model(ofNeuron: 4) is LI)
        #expect(net.parameter("ic", ofNeuron: 1) == 0.2)
        #expect(net.parameter("tmem", ofNeuron: 2) == 30)
        #expect(net.parameter("tmem", ofNeuron: 3) == 10)
        #expect(net.learnableNames(ofNeuron: 0) == ["ic", "tmem"])
        #expect(net.learnableNames(ofNeuron: 4) == [])
        #expect(net.solver.adaptive?.rtol == 1e-4)
        #expect(net.solver.adaptive?.atol == NetworkFile.defaultAtol)
        #expect(net.maxEvents == 5000)

        let defaults = try NetworkFile(parsing: Self.networkText { $0["solver"] = nil })
        #expect(defaults.network.solver.tableau.name == "rk4")
        #expect(defaults.network.solver.dt == NetworkFile.defaultDt)
        #expect(defaults.network.maxEvents == NetworkFile.defaultMaxEvents)
    }

    @Test("Neurons whose spike condition starts above 0 are found (LIF threshold below the initial potential, per layer), and no others")
    func neuronsStartingAboveThreshold() throws {
        #expect(try NetworkFile(parsing: Self.networkText()).network.neuronsStartingAboveThreshold.isEmpty)
        let low = try NetworkFile(parsing: Self.networkText { $0["neuron"] = ["model": "lif", "thresh": -0.5] }).network
        #expect(low.neuronsStartingAboveThreshold == [0, 1, 2, 3, 4])
        // Only the output layer's threshold is below v = 0; at exactly 0 the condition is not above 0.
        let outputOnly = try NetworkFile(parsing: Self.networkText { $0["output_neuron"] = ["model": "lif", "thresh": -0.25] }).network
        #expect(outputOnly.neuronsStartingAboveThreshold == [3, 4])
        let zero = try NetworkFile(parsing: Self.networkText { $0["neuron"] = ["model": "lif", "thresh": 0] }).network
        #expect(zero.neuronsStartingAboveThreshold.isEmpty)
        // QIF starts at φ = ½ below its threshold φ = 1; LI readouts never spike.
        let qif = try NetworkFile(parsing: Self.networkText { $0["neuron"] = ["model": "qif"]; $0["output_neuron"] = ["model": "li"] }).network
        #expect(qif.neuronsStartingAboveThreshold.isEmpty)
    }

    @Test func modelSpecFactoryKnowsEveryModel() throws {
        let expected: [String: [String]] = [
            "lif": LIF().parameters.map(\.name), "li": LI().parameters.map(\.name), "qif": QIF().parameters.map(\.name),
            "eif": EIF().parameters.map(\.name), "izhikevich": Izhikevich().parameters.map(\.name),
        ]
        for name in NetworkFile.modelNames {
            let spec = try NetworkFile.modelSpec(name: name, count: 2, parameters: [:], learnable: nil)
            #expect(spec.model.parameters.map(\.name) == expected[name])
            #expect(spec.count == 2)
        }
        expectInvalid("out.model", "unknown model \"hh\"") { _ = try NetworkFile.modelSpec(name: "hh", count: 1, field: "out") }
        expectInvalid("neuron.tsyn[1]", "must be > 0, got -2") {
            _ = try NetworkFile.modelSpec(name: "lif", count: 2, parameters: ["tsyn": [1, -2]])
        }
    }

    // MARK: malformed files

    /// (network file text, field the error must name, part of the message).
    static let badNetworks: [(String, String, String)] = [
        ("{\"inputs\": 2, ", "network", "malformed JSON"),
        ("{\"inputs\": 2 \"layers\": [1]}", "network", "malformed JSON: unexpected '\"', expected ',' or '}' at line 1, column 14"),
        ("{\"tmax\": NaN}", "network", "malformed JSON"),
        ("{\"a\": 1, \"a\": 2}", "network", "duplicate key"),
        ("[1, 2]", "document", "expected an object, got an array of 2 values"),
        (networkText { $0["weights"] = [[[1, 2, 3], [4, 5, 6]], [[1, 2], [3, 4], [5, 6, 7]]] }, "weights[1][2]", "has 3 entries, expected 2"),
        (networkText { $0["weights"] = [[[1, 2, 3]], [[1, 2], [3, 4], [5, 6]]] }, "weights[0]", "has 1 rows, expected 2"),
        (networkText { $0["weights"] = [[[1, 2, 3], [4, 5, 6]]] }, "weights", "has 1 matrices, expected one per layer (2)"),
        (networkText { $0["weights"] = [[[1, "abc", 3], [4, 5, 6]], [[1, 2], [3, 4], [5, 6]]] }, "weights[0][0][1]", "expected a number, got \"abc\""),
        (networkText { $0["weights"] = [[[1, 2, 3], [4, 5, "NaN"]], [[1, 2], [3, 4], [5, 6]]] }, "weights[0][1][2]", "expected a number, got \"NaN\""),
        ("{\"tmax\": 1e999}", "tmax", "must be a finite number, got 1e999"),
        (networkText { $0["neuron"] = ["model": "lif", "tmem": 0] }, "neuron.tmem", "must be > 0, got 0"),
        (networkText { $0["neuron"] = ["model": "lif", "tmem": -1] }, "neuron.tmem", "must be > 0, got -1"),
        (networkText { $0["neuron"] = ["model": "lif", "tmem": "20"] }, "neuron.tmem", "expected a number"),
        (networkText { $0["neuron"] = ["model": "lif", "vthresh": 1] }, "neuron.vthresh", "not a parameter of the lif model"),
        (networkText { $0["neuron"] = ["model": "lif", "learnable": ["w"]] }, "neuron.learnable[0]", "\"w\" is not a parameter"),
        (networkText { $0["neuron"] = ["model": "hodgkin"] }, "neuron.model", "unknown model \"hodgkin\" (known: lif, li, qif, eif, izhikevich)"),
        (networkText { $0["neuron"] = ["tmem": 20] }, "neuron.model", "is missing"),
        (networkText { $0["output_neuron"] = ["model": "li", "tsyn": -3] }, "output_neuron.tsyn", "must be > 0, got -3"),
        (networkText { $0["solver"] = ["method": "rk5"] }, "solver.method", "unknown method \"rk5\" (known: euler, heun, midpoint, rk4, bosh3, tsit5, dopri5)"),
        (networkText { $0["solver"] = ["method": "rk4", "atol": 1e-6] }, "solver.method", "no embedded error estimate"),
        (networkText { $0["solver"] = ["dt": 0] }, "solver.dt", "must be > 0, got 0"),
        (networkText { $0["solver"] = ["method": "tsit5", "rtol": -1] }, "solver.rtol", "must be > 0"),
        (networkText { $0["solver"] = ["step": 0.1] }, "solver.step", "unknown key"),
        (networkText { $0["layers"] = [3, 2.5] }, "layers[1]", "expected an integer, got 2.5"),
        (networkText { $0["layers"] = [3, 0] }, "layers[1]", "must be an integer ≥ 1, got 0"),
        (networkText { $0["layers"] = [] }, "layers", "at least one layer"),
        (networkText { $0["inputs"] = -1 }, "inputs", "must be an integer ≥ 0, got -1"),
        (networkText { $0["tmax"] = 0 }, "tmax", "must be > 0, got 0"),
        (networkText { $0["tmax"] = nil }, "tmax", "is missing"),
        (networkText { $0["maxEvents"] = 0 }, "maxEvents", "must be an integer ≥ 1, got 0"),
        (networkText { $0["bias"] = [[0, 0, 0], [1, 2, 3]] }, "bias[1]", "has 3 entries, expected 2"),
        (networkText { $0["bias"] = [[0, 0, 0]] }, "bias", "has 1 entries, expected one per layer (2)"),
        (networkText { $0["neuron"] = ["model": "lif", "ic": 1]; $0["bias"] = [[0, 0, 0], nil] }, "bias[0]", "conflicts with neuron.ic"),
        (networkText { $0["delays"] = [] }, "delays", "unknown key (allowed keys: neuron, output_neuron"),
    ]

    @Test(arguments: badNetworks)
    func malformedNetworkNamesTheField(text: String, field: String, part: String) {
        expectInvalid(field, part) { _ = try NetworkFile(parsing: text) }
    }

    /// (input file text, field the error must name, part of the message), for a network with 2 inputs.
    static let badInputs: [(String, String, String)] = [
        ("{\"spikes\": [[1, 2], [3]", "input", "malformed JSON: unexpected end of input"),
        ("{\"spikes\": [[1, 5, 2], [3]]}", "spikes[0][2]", "must be sorted"),
        ("{\"spikes\": [[1], [-0.5]]}", "spikes[1][0]", "must be ≥ 0"),
        ("{\"spikes\": [[1], [\"NaN\"]]}", "spikes[1][0]", "expected a number, got \"NaN\""),
        ("{\"spikes\": [[1], 3]}", "spikes[1]", "expected an array, got 3"),
        ("{\"spikes\": [[1]]}", "spikes", "has 1 channels"),
        ("{\"spikes\": [[1], []], \"labels\": [0]}", "labels", "unknown key"),
        ("{}", "spikes", "is missing"),
    ]

    @Test(arguments: badInputs)
    func malformedInputNamesTheField(text: String, field: String, part: String) {
        expectInvalid(field, part) { _ = try InputFile(parsing: text, channels: 2) }
    }

    @Test func cotangentFiles() throws {
        let ok = try CotangentFile(parsing: "{\"ttfs\": [1, -2], \"states\": [[[0.5, 0]]]}").cotangent
        #expect(ok.ttfs == [1, -2])
        #expect(ok.states == [[[0.5, 0]]])
        #expect(ok.spikes == nil)
        expectInvalid("cotangent.ttfs[1]", "expected a number, got true") { _ = try CotangentFile(parsing: "{\"ttfs\": [1, true]}") }
        expectInvalid("cotangent.state", "unknown key") { _ = try CotangentFile(parsing: "{\"state\": []}") }
        expectInvalid("cotangent", "malformed JSON") { _ = try CotangentFile(parsing: "{\"ttfs\": [1,]}") }
    }

    // MARK: JSON

    @Test func writerRoundTripsDoublesExactly() throws {
        var state: UInt64 = 0x1234_5678_9ABC_DEF0
        var values: [Double] = [0, -0.0, 0.1, 1.0 / 3, 30, -1, 1e300, Double.leastNonzeroMagnitude, 2.2250738585072014e-308, .pi,
                                Double.greatestFiniteMagnitude, -Double.leastNormalMagnitude, 1.2345678901234568e20, 1e-5]
        for _ in 0..<2000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let d = Double(bitPattern: state ^ (state >> 29))
            if d.isFinite { values.append(d) }
        }
        let text = JSONValue(values).serialized()
        let back = try JSONNode(try JSONValue.parse(text, source: "test")).numbers()
        #expect(back.count == values.count)
        for (a, b) in zip(values, back) { #expect(a.bitPattern == b.bitPattern, "\(a) → \(b)") }

        #expect(JSONValue([1, .infinity, -.infinity, .nan] as [Double]).serialized() == "[1.0,null,null,null]")
        #expect(JSONValue([2.5, nil] as [Double?]).serialized() == "[2.5,null]")

        let doc: JSONValue = ["z": "a\"b\\c\n\u{01}é😀", "a": [true, false, nil], "m": ["x": 30.0]]
        let docText = doc.serialized()
        #expect(docText == "{\"z\":\"a\\\"b\\\\c\\n\\u0001é😀\",\"a\":[true,false,null],\"m\":{\"x\":30.0}}")
        #expect(try JSONValue.parse(docText, source: "test") == doc)
        #expect(try JSONValue.parse(" {\"s\": \"\\u00e9\\ud83d\\ude00\\/\"} ", source: "test") == ["s": "é😀/"])
        #expect(throws: EventaxError.self) { try JSONValue.parse("\"\\ud83d\"", source: "test") }
        #expect(throws: EventaxError.self) { try JSONValue.parse("01", source: "test") }
        #expect(throws: EventaxError.self) { try JSONValue.parse("[1] x", source: "test") }
    }

    @Test func gradientsAndResultsAreShapedLikeTheFile() throws {
        let file = try NetworkFile(contentsOf: Self.networkExample)
        let input = try InputFile(contentsOf: Self.inputExample, channels: file.inputCount)
        let sim = Simulator(network: file.network)
        let result = try sim.run(input.spikes, readout: ReadoutRequest(stopAfterFirstOutputSpikes: false, observationTimes: [5, 10]))
        #expect(result.ttfs.allSatisfy { $0 != nil }, "the example network should make both outputs spike")
        let grads = try sim.gradient(Cotangent(ttfs: [1, -1]))
        let w = try file.weightGradients(grads)
        #expect(w.map(\.count) == [3, 4])
        #expect(w.map { $0.map(\.count) } == [[4, 4, 4], [2, 2, 2, 2]])
        #expect(w[1][2][1] == grads.weights[file.network.weightIndex(ofSynapse: 12 + 2 * 2 + 1)])
        let b = try file.biasGradients(grads)
        #expect(b.map(\.count) == [4, 2])
        #expect(b[0][3] == grads.parameters[file.network.learnableOffset[3]])

        let json = try file.resultJSON(result, includeStates: true, gradients: grads)
        let root = JSONNode(try JSONValue.parse(json.serialized(), source: "result"))
        try root.rejectUnknownKeys(allowed: ["ttfs", "spikes", "states", "gradients"])
        #expect(try root.required("ttfs").numbers() == result.ttfs.map { $0! })
        #expect(try root.required("spikes").numberMatrix() == result.spikes)
        #expect(try root.required("states").numberTensor() == result.states)
        #expect(try root.required("gradients").required("weights").numberTensor() == w)
        #expect(try root.required("gradients").required("inputs").numberMatrix() == grads.inputs)
        let bare = try file.resultJSON(result, includeStates: false)
        #expect(try JSONNode(bare).object().keys == ["ttfs", "spikes"])
    }

    // MARK: the binary

    /// The `eventax` executable built next to the test bundle, if any.
    static let binary: URL? = {
        var dirs: [URL] = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        if let exe = Bundle.main.executableURL { dirs.append(exe.deletingLastPathComponent()) }
        if let arg0 = CommandLine.arguments.first { dirs.append(URL(fileURLWithPath: arg0).deletingLastPathComponent()) }
        for dir in dirs {
            var d = dir
            for _ in 0..<4 {  // e.g. …/debug/EventaxPackageTests.xctest/Contents/MacOS on macOS
                let candidate = d.appendingPathComponent("eventax")
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDir), !isDir.boolValue,
                   FileManager.default.isExecutableFile(atPath: candidate.path) {
                    return candidate
                }
                d = d.deletingLastPathComponent()
            }
        }
        return nil
    }()

    /// The condition of the end-to-end tests: they run the built `eventax` executable.
    static let needsBinary: ConditionTrait = .enabled(
        if: CLITests.binary != nil,
        "the eventax executable was not found next to the test bundle; run `swift build` first — skipping the end-to-end test")

    /// Asserts that a run of the executable failed with an error message containing `message`.
    static func expectRefused(_ result: (status: Int32, stdout: String, stderr: String), _ message: String,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status != 0, sourceLocation: sourceLocation)
        #expect(result.stderr.hasPrefix("error: "), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(message), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
    }

    static func runBinary(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = binary!
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    @Test(CLITests.needsBinary)
    func binaryRunsAndReportsBadFiles() throws {
        let dir = temporaryFolder("eventax-cli")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        let bad = dir.appendingPathComponent("bad.json")
        try Self.networkText { $0["weights"] = [[[1, 2, 3], [4, 5]], [[1, 2], [3, 4], [5, 6]]] }.write(to: bad, atomically: true, encoding: .utf8)
        let failed = try Self.runBinary(["run", bad.path, Self.inputExample])
        #expect(failed.status != 0)
        #expect(failed.stdout.isEmpty)
        #expect(failed.stderr.hasPrefix("error: "))
        #expect(failed.stderr.contains("weights[0][1]: has 2 entries, expected 3"), "stderr: \(failed.stderr)")

        let badSplit = try Self.runBinary(["data", "yinyang", "--split", "Holdout"])
        #expect(badSplit.status != 0 && badSplit.stdout.isEmpty)
        #expect(badSplit.stderr == "error: --split: unknown split \"Holdout\" (known: train, validation, test)\n", "stderr: \(badSplit.stderr)")

        let cot = dir.appendingPathComponent("cot.json")
        try "{\"ttfs\": [1, 0], \"states\": [[[0, 1]], [[0, 0]]]}".write(to: cot, atomically: true, encoding: .utf8)
        let ok = try Self.runBinary(["run", Self.networkExample, Self.inputExample, "--observe", "7.5", "--cotangent", cot.path])
        #expect(ok.status == 0, "stderr: \(ok.stderr)")
        let root = JSONNode(try JSONValue.parse(ok.stdout, source: "stdout"))
        #expect(try root.required("ttfs").array().count == 2)
        #expect(try root.required("spikes").array().count == 6)
        #expect(try root.required("states").numberTensor().map(\.count) == [1, 1])
        #expect(try root.required("gradients").required("bias").numberMatrix().map(\.count) == [4, 2])
        #expect(ok.stderr.isEmpty, "stderr: \(ok.stderr)")

        // Input spikes after tmax (30) are noted on stderr and change nothing.
        let late = dir.appendingPathComponent("late.json")
        try "{\"spikes\": [[1.0, 4.0, 9.5, 31], [2.0, 6.5, 45.5], [0.5, 3.0, 7.0, 12.0]]}".write(to: late, atomically: true, encoding: .utf8)
        let noted = try Self.runBinary(["run", Self.networkExample, late.path, "--observe", "7.5", "--cotangent", cot.path])
        #expect(noted.status == 0 && noted.stderr == "note: \(late.path): 2 input spikes after tmax = 30.0 have no effect (zero gradient)\n", "stderr: \(noted.stderr)")
        let lateRoot = JSONNode(try JSONValue.parse(noted.stdout, source: "stdout"))
        #expect(try lateRoot.required("spikes").array().count == 6 && lateRoot.required("ttfs").array().count == 2)
        #expect(try lateRoot.required("states").numberTensor() == root.required("states").numberTensor())
        let lateInputs = try lateRoot.required("gradients").required("inputs").numberMatrix()
        #expect(lateInputs.map(\.count) == [4, 3, 4] && lateInputs[0][3] == 0 && lateInputs[1][2] == 0, "\(lateInputs)")

        // Neurons that start above their threshold are named on stderr; the run still succeeds.
        let low = dir.appendingPathComponent("low.json")
        try Self.networkText { $0["inputs"] = 3; $0["weights"] = [[[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 2], [3, 4], [5, 6]]]
            $0["output_neuron"] = ["model": "lif", "thresh": -0.25] }.write(to: low, atomically: true, encoding: .utf8)
        let above = try Self.runBinary(["run", low.path, Self.inputExample])
        #expect(above.status == 0 && above.stderr == "note: \(low.path): 2 of 5 neurons (3, 4) start above their spike threshold "
            + "(for LIF: thresh below the initial v); a spike is an upward crossing, so they fire only after falling below it\n", "stderr: \(above.stderr)")
    }

    /// Bad training options (and a missing MNIST directory) stop `eventax train` before any work: a non-zero exit, one
    /// `error:` line naming the option and the value, and no output folder.
    @Test(CLITests.needsBinary,
          arguments: [
            (["yinyang", "--fan-in", "cubic"], "--fan-in: unknown scaling \"cubic\""),
            (["yinyang", "--delays=-1"], "--delays: must be a finite number ≥ 0, got -1.0"),
            (["yinyang", "--axonal-delays=-0.5"], "--axonal-delays: must be a finite number ≥ 0, got -0.5"),
            (["yinyang", "--axonal-delays", "nan"], "--axonal-delays: must be a finite number ≥ 0, got nan"),
            (["yinyang", "--amos", "maybe"], "--amos: expected on or off, got \"maybe\""),
            (["yinyang", "--threads", "0"], "--threads: must be ≥ 1, got 0"),
            (["yinyang", "--clip", "0"], "--clip: must be a finite number > 0, got 0.0"),
            (["yinyang", "--clip", "inf"], "--clip: must be a finite number > 0, got inf"),
            (["yinyang", "--hidden", "-3"], "--hidden: must be ≥ 1, got -3"),
            (["yinyang", "--delays", "-1"], "--delays: must be a finite number ≥ 0, got -1.0"),
            (["yinyang", "--loss", "hinge"], "--loss: unknown loss \"hinge\""),
            (["yinyang", "--ttfs-regularizer", "inside"], "--ttfs-regularizer: unknown form \"inside\""),
            (["yinyang", "--loss", "max", "--ttfs-regularizer", "in-log"], "--ttfs-regularizer: applies to the ttfs loss only, got --loss max"),
            (["yinyang", "--loss", "max", "--logit-scale", "0"], "--logit-scale: must be a finite number > 0, got 0.0"),
            (["yinyang", "--silent-target-penalty=-1"], "--silent-target-penalty: must be a finite number > 0, got -1.0"),
            (["yinyang", "--loss", "integral", "--silent-target-penalty", "1"], "--silent-target-penalty: applies to the ttfs loss only, got --loss integral"),
            (["mnist", "--data", "/nonexistent-eventax-mnist"], "/nonexistent-eventax-mnist"),
            (["yinyang", "--blim=-1"], "--blim: must be a finite number ≥ 0, got -1.0"),
            (["yinyang", "--bmean", "nan"], "--bmean: must be finite, got nan"),
            (["xor", "--blim", "1"], "--blim: sets the initial bias currents of the Yin-Yang and MNIST-TTFS networks only, not of the xor egru"),
            (["yinyang", "--param", "c"], "--param: expected NAME=VALUE with a number, got \"c\""),
            (["yinyang", "--param", "c=-65"], "--param: qif has no settable parameter \"c\""),
            (["yinyang", "--neuron", "izhikevich", "--param", "ic=1"], "--param: izhikevich has no settable parameter \"ic\""),
            (["yinyang", "--neuron", "plif", "--param", "tmem=30"], "--param: plif has no settable parameter \"tmem\" (settable: log_tmem, log_tsyn, thresh, vreset; the bias ic is trained)"),
            (["yinyang", "--param", "tmem=-1"], "--param: tmem must be a finite number > 0, got -1.0"),
            (["yinyang", "--param", "tmem=2", "--param", "tmem=3"], "--param: tmem is given twice"),
            (["yinyang", "--neuron", "multicompartment", "--param", "tsyn=2"], "--param: sets parameters of the lif, qif, eif, izhikevich, alif, plif and pqif layers only"),
          ])
    func trainRejectsBadOptions(arguments: [String], message: String) throws {
        let dir = temporaryFolder("eventax-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try Self.runBinary(["train"] + arguments + ["--epochs", "1", "--train-subset", "4", "--eval-subset", "4", "--out", dir.path])
        Self.expectRefused(result, message)
        #expect(!FileManager.default.fileExists(atPath: dir.path))
    }

    /// The peak memory in a run summary is the program's own. Launched by a shell that first
    /// holds 300 MiB and then execs it (as `swift run` execs the product after its build), it
    /// must not report the launcher's peak: `getrusage`'s maximum survives `execve`.
    @Test(CLITests.needsBinary)
    func peakMemoryExcludesTheLauncher() throws {
        #if os(Linux)
        let dir = temporaryFolder("eventax-peak")
        defer { try? FileManager.default.removeItem(at: dir) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        let script = #"x=$(head -c 314572800 /dev/zero | tr '\0' a); "#
            + #"exec "$0" train yinyang --hidden 3 --epochs 1 --train-subset 8 --eval-subset 8 --batch-size 4 --threads 1 --out "$1""#
        process.arguments = ["-c", script, CLITests.binary!.path, dir.path]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let summary = try JSONDecoder().decode(TrainingSummary.self, from: Data(contentsOf: dir.appendingPathComponent("summary.json")))
        let peak = try #require(summary.peak_rss_mib)
        #expect(peak > 1 && peak < 250, "peak memory \(peak) MiB (the launcher held 300 MiB)")
        #endif
    }

    /// Numeric options take negative values after a space (`--wmean -0.5`), as after `=`; a
    /// `--resume` from a damaged checkpoint stops with an error naming the field and leaves the
    /// checkpoint as it was.
    @Test(CLITests.needsBinary)
    func negativeValuesAndDamagedCheckpoints() throws {
        let dir = temporaryFolder("eventax-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let common = ["--hidden", "3", "--train-subset", "8", "--eval-subset", "8", "--batch-size", "4", "--clip", "0.5", "--threads", "1", "--out", dir.path]
        let trained = try Self.runBinary(["train", "yinyang", "--wmean", "-0.5", "--epochs", "1"] + common)
        #expect(trained.status == 0, "stderr: \(trained.stderr)")
        let summary = try JSONDecoder().decode(TrainingSummary.self, from: Data(contentsOf: dir.appendingPathComponent("summary.json")))
        #expect(summary.config.wmean == -0.5 && summary.config.clip == 0.5)
        let peak = try #require(summary.peak_rss_mib, "summary.json should record the peak memory")
        #expect(peak > 1 && peak < 24 * 1024, "peak memory \(peak) MiB")
        #expect(trained.stdout.contains("peak memory \(String(format: "%.0f", peak)) MiB"), "stdout: \(trained.stdout)")
        #expect(trained.stdout.contains("(training ") && trained.stdout.contains(" samples/s)"), "stdout: \(trained.stdout)")
        let csv = try String(contentsOf: dir.appendingPathComponent("metrics.csv"), encoding: .utf8).split(separator: "\n")
        #expect(csv.first == "epoch,train_loss,train_accuracy,validation_loss,validation_accuracy,seconds,train_seconds")
        let row = csv.count > 1 ? csv[1].split(separator: ",", omittingEmptySubsequences: false) : []
        #expect(row.count == 7 && (Double(row[6]) ?? -1) >= 0 && (Double(row[6]) ?? .infinity) <= (Double(row[5]) ?? -1), "metrics.csv: \(csv)")
        let yinYang = dir.appendingPathComponent("checkpoint.json").path
        let notMNIST = try Self.runBinary(["evaluate", yinYang, "--data", dir.path])
        #expect(notMNIST.status == 1 && notMNIST.stderr == "error: --data: applies to MNIST checkpoints only; \(yinYang) is a yinyang run\n",
                "stderr: \(notMNIST.stderr)")
        let observed = try Self.runBinary(["run", Self.networkExample, Self.inputExample, "--observe", "-1"])
        #expect(observed.status != 0 && observed.stderr.contains("observe[0]: must lie in [0, tmax = 30.0], got -1.0"), "stderr: \(observed.stderr)")

        let checkpoint = dir.appendingPathComponent("checkpoint.json")
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: checkpoint)) as! [String: Any]
        var optimizer = object["optimizer"] as! [String: Any]
        optimizer["v"] = [Double]()
        object["optimizer"] = optimizer
        let damaged = try JSONSerialization.data(withJSONObject: object)
        try damaged.write(to: checkpoint)
        let resumed = try Self.runBinary(["train", "yinyang", "--wmean", "-0.5", "--epochs", "2", "--resume"] + common)
        #expect(resumed.status == 1, "stderr: \(resumed.stderr)")
        let n = (object["trainables"] as! [Any]).count  // two AdamW steps: 8 samples in batches of 4
        #expect(resumed.stderr == "error: \(checkpoint.path): not a valid training checkpoint: optimizer.v: has 0 values, expected \(n) (2 steps taken, \(n) parameters)\n",
                "stderr: \(resumed.stderr)")
        #expect(try Data(contentsOf: checkpoint) == damaged)
    }

    /// `--resume` keeps every option it is not given (here a run started with another solver,
    /// seed, learning rate, hidden size and subsets than the defaults) and ends bitwise where an
    /// uninterrupted run ends; a given option that differs from the checkpoint's is refused, named.
    @Test(CLITests.needsBinary)
    func resumeKeepsOmittedOptions() throws {
        let root = temporaryFolder("eventax-resume-omitted")
        defer { try? FileManager.default.removeItem(at: root) }
        let started = root.appendingPathComponent("started").path, straight = root.appendingPathComponent("straight").path
        let options = ["--hidden", "3", "--train-subset", "8", "--eval-subset", "8", "--batch-size", "4", "--seed", "2", "--lr", "0.02",
                       "--solver", "tsit5", "--rtol", "1e-6", "--threads", "1"]
        for (epochs, out) in [("1", started), ("2", straight)] {
            let run = try Self.runBinary(["train", "yinyang", "--epochs", epochs, "--out", out] + options)
            #expect(run.status == 0, "stderr: \(run.stderr)")
        }
        let resumed = try Self.runBinary(["train", "yinyang", "--epochs", "2", "--resume", "--out", started])
        #expect(resumed.status == 0 && resumed.stdout.contains("resuming after epoch 1"), "stderr: \(resumed.stderr)")
        let a = try TrainingCheckpoint.load(started + "/checkpoint.json"), b = try TrainingCheckpoint.load(straight + "/checkpoint.json")
        #expect(a.config == b.config && a.config.solver == "tsit5" && a.config.seed == 2 && a.config.lr == 0.02)
        #expect(a.epochsDone == 2 && a.trainables == b.trainables && a.optimizer.m == b.optimizer.m && a.optimizer.v == b.optimizer.v && a.optimizer.count == b.optimizer.count && a.bestTrainables == b.bestTrainables)
        let refused = try Self.runBinary(["train", "yinyang", "--epochs", "3", "--resume", "--solver", "bosh3", "--out", started])
        #expect(refused.status == 1 && refused.stderr.contains("the checkpoint was made with other options: solver \"tsit5\" (this run: \"bosh3\"); "),
                "stderr: \(refused.stderr)")
        // The checkpoint is the base of a resumed run, but only for its own task.
        let otherTask = try Self.runBinary(["train", "xor", "--epochs", "3", "--resume", "--out", started])
        #expect(otherTask.status == 1 && otherTask.stderr == "error: \(started)/checkpoint.json: the checkpoint is a yinyang run; resume it with eventax train yinyang\n",
                "stderr: \(otherTask.stderr)")
        #expect(try TrainingCheckpoint.load(started + "/checkpoint.json").epochsDone == 2)
    }

    /// While another process holds the output folder, `eventax train` refuses to write into it
    /// (and leaves its files alone); once the folder is free, the same command trains.
    @Test(CLITests.needsBinary)
    func outputFolderIsLocked() throws {
        let dir = temporaryFolder("eventax-lock")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let command = ["train", "yinyang", "--epochs", "1", "--hidden", "3", "--train-subset", "8", "--eval-subset", "8", "--threads", "1", "--out", dir.path]
        let fd = open(dir.path, O_RDONLY)
        #expect(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
        let refused = try Self.runBinary(command)
        #expect(refused.status == 1)
        #expect(refused.stderr == "error: \(dir.path): another eventax process is training into this folder; wait for it to finish or choose another --out\n",
                "stderr: \(refused.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
        close(fd)
        let trained = try Self.runBinary(command)
        #expect(trained.status == 0, "stderr: \(trained.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("summary.json").path))
    }

    /// A fresh run into a folder that holds an earlier run says so on stderr, with the earlier
    /// run's progress, and removes the earlier summary at once: a fresh run that fails in its
    /// first epoch (an absurd learning rate) leaves the earlier checkpoint and no summary that
    /// could be mistaken for its own; a complete one writes its own. A run into an empty folder
    /// says nothing.
    @Test(CLITests.needsBinary)
    func freshRunOverAnEarlierOne() throws {
        let dir = temporaryFolder("eventax-fresh")
        defer { try? FileManager.default.removeItem(at: dir) }
        let small = ["train", "yinyang", "--hidden", "3", "--train-subset", "8", "--eval-subset", "8", "--threads", "1", "--out", dir.path]
        let first = try Self.runBinary(small + ["--epochs", "2"])
        #expect(first.status == 0 && first.stderr.isEmpty, "stderr: \(first.stderr)")
        let summary = dir.appendingPathComponent("summary.json"), checkpoint = dir.appendingPathComponent("checkpoint.json")
        let earlier = try Data(contentsOf: checkpoint)
        let note = "note: \(dir.path) holds an earlier run (checkpoint: 2 of 2 epochs done); this run starts afresh: the earlier summary.json is removed now, the checkpoint and metrics are replaced at the end of the first epoch (--resume continues the earlier run instead)\n"
        let failed = try Self.runBinary(small + ["--epochs", "1", "--lr", "1e300"])
        #expect(failed.status == 1 && failed.stderr.hasPrefix(note + "error: epoch 1, "), "stderr: \(failed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: summary.path))
        #expect(try Data(contentsOf: checkpoint) == earlier)
        let second = try Self.runBinary(small + ["--epochs", "1", "--seed", "1"])
        #expect(second.status == 0 && second.stderr == note, "stderr: \(second.stderr)")
        let written = try JSONDecoder().decode(TrainingSummary.self, from: Data(contentsOf: summary))
        #expect(written.epochs == 1 && written.config.seed == 1)
    }

    /// An `--out` that cannot be a folder is refused with the option, the path and the reason.
    @Test(CLITests.needsBinary)
    func badOutputFolders() throws {
        let dir = temporaryFolder("eventax-out")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("a-file").path
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        let small = ["--epochs", "1", "--hidden", "3", "--train-subset", "8", "--eval-subset", "8", "--threads", "1"]
        for (command, message) in [(["train", "yinyang"] + small + ["--out", file], "error: --out: \(file) exists and is not a folder\n"),
                                   (["train", "yinyang"] + small + ["--out", file + "/run"], "error: --out: cannot create the folder \(file)/run: Not a directory\n"),
                                   (["train", "regression", "--epochs", "1", "--out", file], "error: --out: \(file) exists and is not a folder\n")] {
            let result = try Self.runBinary(command)
            #expect(result.status == 1 && result.stderr == message, "\(command): \(result.stderr)")
        }
    }

    /// `eventax table --train` trains a tagged variant's missing runs with its options and
    /// tabulates them; read back with other options, the same runs are refused, not mixed in.
    @Test(CLITests.needsBinary)
    func tableTrainsAndChecksAVariant() throws {
        let dir = temporaryFolder("eventax-table")
        defer { try? FileManager.default.removeItem(at: dir) }
        let runs = dir.appendingPathComponent("runs").path, out = dir.appendingPathComponent("table.md").path
        let common = ["table", "--runs", runs, "--seeds", "1", "--epochs", "1", "--models", "lif", "--losses", "exp-integral", "--tag", "tiny", "--out", out]
        let options = "--train-options=--lr 0.02 --train-subset 8 --eval-subset 8"
        let trained = try Self.runBinary(common + ["--train", "--threads", "1", options])
        #expect(trained.status == 0, "stderr: \(trained.stderr)")
        let summary = JSONNode(try JSONValue.read(contentsOf: runs + "/yinyang-lif-exp-integral-tiny-seed0/summary.json"))
        #expect(try summary.required("config").required("lr").number() == 0.02)
        // The table trains with the solver of our Table IV runs, not the Yin-Yang default, and says so.
        #expect(try summary.required("config").required("solver").string() == "tsit5")
        #expect(try summary.required("config").required("rtol").number() == 1e-6)
        let table = try String(contentsOfFile: out, encoding: .utf8)
        #expect(table.contains("| lif | exp-integral | 1 |"), "table: \(table)")
        #expect(table.contains("--epochs 1 --solver tsit5 --rtol 1e-06 --lr 0.02 --train-subset 8 --eval-subset 8`"), "table: \(table)")

        let mixed = try Self.runBinary(common + ["--train-options=--lr 0.03 --train-subset 8 --eval-subset 8"])
        #expect(mixed.status != 0)
        #expect(mixed.stderr.contains("yinyang-lif-exp-integral-tiny-seed0/summary.json: the run was trained with other options"), "stderr: \(mixed.stderr)")
        #expect(mixed.stderr.contains("--eval-subset 8): lr 0.02 (table: 0.03)"), "stderr: \(mixed.stderr)")

        // Without its runs, the cell keeps its earlier row (marked †) only under the same training command.
        let row = try #require(table.split(separator: "\n").first { $0.hasPrefix("| lif | exp-integral | 1 |") })
        var elsewhere = common
        elsewhere[2] = dir.appendingPathComponent("no-runs").path
        for _ in 0..<2 {
            let carried = try Self.runBinary(elsewhere + [options])
            #expect(carried.status == 0, "stderr: \(carried.stderr)")
            let text = try String(contentsOfFile: out, encoding: .utf8)
            #expect(text.contains(row.replacingOccurrences(of: "| 1 |", with: "| 1 † |")), "table: \(text)")
            #expect(text.contains("† Carried over") && !text.contains("Missing runs"), "table: \(text)")
        }
        for variant in [[options, "--fresh"], ["--train-options=--lr 0.03 --train-subset 8 --eval-subset 8"]] {
            let dropped = try Self.runBinary(elsewhere + variant)
            #expect(dropped.status == 0, "stderr: \(dropped.stderr)")
            let text = try String(contentsOfFile: out, encoding: .utf8)
            #expect(text.contains("| lif | exp-integral | 0 | — |") && text.contains("Missing runs (1)"), "table: \(text)")
            _ = try Self.runBinary(common + [options])  // restores the row from the runs
        }
    }

    /// A bad `--tag`, or a `--train-options` that sets what the table sets itself, is refused
    /// before anything is read or trained, with an error naming the option and the value.
    @Test(CLITests.needsBinary,
          arguments: [
            (["--tag", "a/b"], "--tag: must be a non-empty name without \"/\" or spaces, got \"a/b\""),
            (["--tag", "a b"], "--tag: must be a non-empty name without \"/\" or spaces, got \"a b\""),
            (["--train-options=--seed 3"], "--train-options: --seed is set by the table itself, got \"--seed 3\""),
            (["--train-options=--epochs=2"], "--train-options: --epochs is set by the table itself, got \"--epochs=2\""),
            (["--train-options=--lr"], "--train-options: The value '--neuron' is invalid for '--lr <lr>'"),  // the table appends --neuron
            (["--models", "lif,foo"], "--models: unknown model \"foo\" (known: lif, qif, eif, izhikevich, multicompartment, alif, plif, pqif)"),
            (["--epochs", "0"], "--epochs: must be ≥ 1, got 0"),
            (["--threads", "0"], "--threads: must be ≥ 1, got 0"),
          ])
    func tableRejectsBadVariants(arguments: [String], message: String) throws {
        let dir = temporaryFolder("eventax-table")
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try Self.runBinary(["table", "--train", "--runs", dir.appendingPathComponent("runs").path, "--seeds", "1", "--models", "lif",
                                         "--losses", "ttfs", "--out", dir.appendingPathComponent("table.md").path] + arguments)
        Self.expectRefused(result, message)
        #expect(!FileManager.default.fileExists(atPath: dir.path))
    }

    /// A run's `summary.json` that does not decode stops `eventax table` with an error naming the
    /// file and the JSON path of the bad value.
    @Test(CLITests.needsBinary)
    func tableReportsABadSummary() throws {
        let dir = temporaryFolder("eventax-table")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("yinyang-lif-ttfs-seed0")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        try #"{"test_accuracy": "high"}"#.write(to: run.appendingPathComponent("summary.json"), atomically: true, encoding: .utf8)
        let result = try Self.runBinary(["table", "--runs", dir.path, "--seeds", "1", "--models", "lif", "--losses", "ttfs",
                                         "--out", dir.appendingPathComponent("table.md").path])
        #expect(result.status != 0)
        #expect(result.stderr.hasPrefix("error: \(run.path)/summary.json: not a valid run summary: test_accuracy: expected Double"), "stderr: \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("table.md").path))
    }

    /// `eventax bench --json` prints one JSON array of records for every workload: without the
    /// reference run the Yin-Yang records carry no spike-time accuracy (absent, not NaN and not a
    /// mismatch of 0), and the MNIST-scale records come as JSON too instead of table lines.
    @Test(CLITests.needsBinary)
    func benchJSONForEveryWorkload() throws {
        let yy = try Self.runBinary(["bench", "--only", "qif-5-50-3-tsit5-adaptive", "--batch", "4", "--seconds", "0.01",
                                     "--threads", "1", "--json", "--no-reference"])
        #expect(yy.status == 0, "stderr: \(yy.stderr)")
        let records = try JSONNode(JSONValue.parse(yy.stdout, source: "stdout")).array()
        #expect(records.map { try? $0.required("name").string() } == ["qif-5-50-3-tsit5-adaptive", "qif-5-50-3-tsit5-adaptive-recorded"])
        for r in records {
            #expect(try r.optional("spike_time_error") == nil && r.optional("spike_mismatch_fraction") == nil)
            #expect(try r.required("fwd_samples_per_s").number() > 0 && r.required("deliveries_per_sample").number() > 0)
        }
        let mnist = try Self.runBinary(["bench", "--only", "mnist", "--batch", "2", "--seconds", "0.01", "--threads", "1", "--json"])
        #expect(mnist.status == 0, "stderr: \(mnist.stderr)")
        let scale = try JSONNode(JSONValue.parse(mnist.stdout, source: "stdout")).array()
        #expect(scale.map { try? $0.required("name").string() } == ["mnist-lif-euler-0.05", "mnist-lif-tsit5-adaptive", "mnist-lif-bosh3-adaptive"])
        for r in scale {
            #expect(try r.required("hidden_spikes_per_sample").number() > 0 && r.required("fwdbwd_samples_per_s").number() > 0)
        }
    }

    /// `eventax bench --solver` measures the configuration that `--rtol` and `--dt` give (read as
    /// `eventax train` reads them) instead of the built-in ones: a 1000-fold looser tolerance takes
    /// fewer steps and misses the Dopri5 reference's spike times by more. Bad values are refused
    /// with the option's name.
    @Test(CLITests.needsBinary)
    func benchMeasuresAChosenSolver() throws {
        func record(_ arguments: [String]) throws -> JSONNode {
            let r = try Self.runBinary(["bench", "--only", "qif", "--batch", "16", "--seconds", "0.01", "--threads", "1", "--json"] + arguments)
            #expect(r.status == 0, "stderr: \(r.stderr)")
            let records = try JSONNode(JSONValue.parse(r.stdout, source: "stdout")).array()
            try #require(records.count == 1)
            return records[0]
        }
        let loose = try record(["--solver", "bosh3", "--rtol", "1e-3"]), tight = try record(["--solver", "BOSH3", "--rtol", "1e-6"])
        #expect(try loose.required("name").string() == "qif-5-50-3-bosh3-rtol0.001")
        #expect(try tight.required("name").string() == "qif-5-50-3-bosh3-rtol1e-06")
        #expect(try loose.required("steps_per_sample").number() < tight.required("steps_per_sample").number())
        let looseError = try loose.required("spike_time_error").number(), tightError = try tight.required("spike_time_error").number()
        #expect(looseError > tightError && tightError > 0, "spike-time errors \(looseError), \(tightError)")
        let constant = try record(["--solver", "euler", "--rtol", "0", "--dt", "0.1"])
        #expect(try constant.required("name").string() == "qif-5-50-3-euler-dt0.1")

        for (arguments, message) in [(["--rtol", "1e-3"], "--rtol: applies with --solver only"),
                                     (["--dt", "0.1"], "--dt: applies with --solver only"),
                                     (["--solver", "rk9"], "--solver: unknown method \"rk9\""),
                                     (["--solver", "rk4"], "--solver: rk4 has no embedded error estimate"),
                                     (["--solver", "tsit5", "--rtol=-1"], "--rtol: must be a finite number > 0, got -1.0"),
                                     (["--solver", "tsit5", "--only", "multicompartment"], "--solver: applies to the Yin-Yang and MNIST-scale workloads"),
                                     (["--only", "qfi"], "--only: no workload's name contains \"qfi\" (workloads: qif-5-50-3-euler-0.05, "),
                                     (["--solver", "tsit5", "--only", "euler"], "--only: no workload's name contains \"euler\" (workloads: qif-5-50-3-tsit5-rtol1e-06, mnist, multicompartment)")] {
            let result = try Self.runBinary(["bench", "--seconds", "0.01", "--batch", "4"] + arguments)
            Self.expectRefused(result, message)
            #expect(result.stdout.isEmpty)
        }
    }
}
