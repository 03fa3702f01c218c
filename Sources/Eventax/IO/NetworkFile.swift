import Foundation

/// A network described by a JSON file. Two formats share the file type, told apart by the
/// top-level `format` key: the layered format below (no `format`, or `"format": "layered"`), and
/// the general format (`"format": "general"`: populations, dense/masked/sparse connections,
/// delays, explicit outputs; see ``init(generalJSON:)`` and `docs/network-format.md`). A
/// training checkpoint is read as its best-validation layered network.
///
/// The layered format:
///
///     {"neuron": {"model": "lif", "tmem": 20, "tsyn": 5, "thresh": 1, "vreset": 0},
///      "inputs": 3, "layers": [4, 2], "weights": [W0, W1], "bias": [b0, b1], "tmax": 30,
///      "solver": {"method": "tsit5", "dt": 0.01}}
///
/// - `neuron` (required): `model` (`lif`, `li`, `qif`, `eif`, `izhikevich`), any of the model's
///   parameters (a number, or an array with one number per neuron of the layer), and optionally
///   `learnable`, a list of parameter names (default: the model's defaults).
/// - `output_neuron` (optional): the same shape; used for the last layer instead of `neuron`.
/// - `inputs` (required): the number of input channels (≥ 0).
/// - `layers` (required): the layer sizes (each ≥ 1); the last layer is the output.
/// - `weights` (required): one matrix per layer, `weights[l][pre][post]`; layer 0's presynaptic
///   side is the input channels.
/// - `bias` (optional): one array per layer (or `null`) with each neuron's bias current, the
///   model parameter `ic`; default 0. It may not be combined with an `ic` in the neuron object.
/// - `tmax` (required): the end of the simulation (> 0).
/// - `solver` (optional): `method` (`euler`, `heun`, `midpoint`, `rk4`, `bosh3`, `tsit5`,
///   `dopri5`; default `rk4`), `dt` (default 0.05) and `rtol`/`atol`; giving either tolerance makes
///   the steps adaptive (defaults 1e-6 and 1e-9).
/// - `maxEvents` (optional): an integer > 0 (default 1 000 000).
/// - `format` (optional): `"layered"`; `version` (optional): 1.
///
/// Unknown keys are rejected, and every error names the offending field, e.g.
/// `weights[1][3]: has 5 entries, expected 2` or `neuron.tmem: must be > 0, got -1`.
public struct NetworkFile: Sendable {
    /// The two layouts of a network file.
    public enum Format: String, Sendable {
        /// Fully connected layers (`inputs`, `layers`, `weights`, …).
        case layered
        /// Populations and connection blocks (`"format": "general"`).
        case general
    }

    /// The built network (neurons numbered layer by layer, or population by population; for a
    /// layered file the last layer is the output).
    public let network: Network
    /// The number of neurons in each layer (general format: in each population).
    public let layerSizes: [Int]
    /// The model name of each layer (general format: of each population), as written in the file (lower-cased).
    public let layerModels: [String]
    /// Which format the file was written in.
    public let format: Format
    /// General format: how each connection block maps onto the network's synapses (empty for layered files).
    let connectionLayouts: [ConnectionLayout]

    /// The number of input channels.
    public var inputCount: Int { network.inputCount }

    /// The model names a layered file may use (the general format knows more: ``generalModelNames``).
    public static let modelNames = ["lif", "li", "qif", "eif", "izhikevich"]
    /// The keys allowed at the top level of a layered network file.
    public static let topLevelKeys = ["neuron", "output_neuron", "inputs", "layers", "weights", "bias", "tmax", "solver", "maxEvents", "format", "version"]
    /// The values of the top-level `format` key.
    public static let formatNames = ["layered", "general"]
    /// The keys allowed in the `solver` object.
    public static let solverKeys = ["method", "dt", "rtol", "atol"]
    /// The default solver step when `solver.dt` is absent.
    public static let defaultDt = 0.05
    /// The default relative tolerance of adaptive steps.
    public static let defaultRtol = 1e-6
    /// The default absolute tolerance of adaptive steps.
    public static let defaultAtol = 1e-9
    /// The default `maxEvents`.
    public static let defaultMaxEvents = 1_000_000

    /// A file view of an already built layered network.
    init(network: Network, layerSizes: [Int], layerModels: [String], format: Format = .layered,
         connectionLayouts: [ConnectionLayout] = []) {
        self.network = network; self.layerSizes = layerSizes; self.layerModels = layerModels
        self.format = format; self.connectionLayouts = connectionLayouts
    }

    /// Parses a network file's JSON value (either format, chosen by the top-level `format` key)
    /// and builds the network.
    public init(json: JSONValue) throws {
        let root = JSONNode(json)
        _ = try root.object()
        if let formatNode = try root.optional("format") {
            let name = try formatNode.string()
            switch name {
            case Format.general.rawValue:
                try self.init(generalJSON: json)
                return
            case Format.layered.rawValue:
                break
            default:
                throw formatNode.error("unknown format \(JSONValue.string(name).summary) (known: \(NetworkFile.formatNames.joined(separator: ", ")))")
            }
        }
        try self.init(layeredJSON: json)
    }

    /// Parses a layered network file's JSON value and builds the network.
    init(layeredJSON json: JSONValue) throws {
        let root = JSONNode(json)
        _ = try root.object()
        try root.rejectUnknownKeys(allowed: NetworkFile.topLevelKeys)
        if let versionNode = try root.optional("version") {
            let version = try versionNode.integer()
            guard version == 1 else { throw versionNode.error("unsupported version \(version) of the layered format (this build reads version 1)") }
        }

        let inputs = try root.required("inputs").integer(in: 0...Int.max)
        let layersNode = try root.required("layers")
        let sizes = try layersNode.array().map { try $0.integer(in: 1...Int.max) }
        guard !sizes.isEmpty else { throw layersNode.error("must name at least one layer, got an empty array") }

        let neuron = try root.required("neuron")
        let outputNeuron = try root.optional("output_neuron")

        let weightsNode = try root.required("weights")
        let matrices = try weightsNode.array()
        guard matrices.count == sizes.count else {
            throw weightsNode.error("has \(matrices.count) matrices, expected one per layer (\(sizes.count))")
        }
        var weights: [[[Double]]] = []
        var pre = inputs
        for (l, m) in matrices.enumerated() {
            let rows = try m.array()
            guard rows.count == pre else {
                throw m.error("has \(rows.count) rows, expected \(pre) (one per presynaptic \(l == 0 ? "input" : "neuron"))")
            }
            weights.append(try rows.map { try $0.numbers(count: sizes[l]) })
            pre = sizes[l]
        }

        var bias = [[Double]?](repeating: nil, count: sizes.count)
        if let biasNode = try root.optional("bias") {
            let entries = try biasNode.array()
            guard entries.count == sizes.count else {
                throw biasNode.error("has \(entries.count) entries, expected one per layer (\(sizes.count))")
            }
            for (l, e) in entries.enumerated() where e.value != .null { bias[l] = try e.numbers(count: sizes[l]) }
        }

        let tmaxNode = try root.required("tmax")
        let tmax = try tmaxNode.number()
        guard tmax > 0 else { throw tmaxNode.error("must be > 0, got \(formatNumber(tmax))") }

        let solver = try NetworkFile.solverConfig(try root.optional("solver"))
        let maxEvents = try root.optional("maxEvents")?.integer(in: 1...Int.max) ?? NetworkFile.defaultMaxEvents

        var specs: [PopulationSpec] = []
        var fields: [String] = []
        var models: [String] = []
        for l in sizes.indices {
            let node = (l == sizes.count - 1 ? outputNeuron : nil) ?? neuron
            let (spec, model) = try NetworkFile.layerSpec(node, count: sizes[l], bias: bias[l], biasField: "bias[\(l)]")
            specs.append(spec)
            fields.append(node.path)
            models.append(model)
        }
        do {
            network = try Network.layered(inputCount: inputs, layers: specs, weights: weights, tmax: tmax, solver: solver, maxEvents: maxEvents)
        } catch EventaxError.invalid(let field, let message) where field.hasPrefix("populations[") {
            // Name the file's field instead of the engine's population index.
            throw EventaxError.invalid(field: NetworkFile.fileField(field, layerFields: fields), message)
        }
        layerSizes = sizes
        layerModels = models
        format = .layered
        connectionLayouts = []
    }

    /// Parses network JSON text; malformed text throws `EventaxError.invalid(field: source, "malformed JSON: …")`.
    public init(parsing text: String, source: String = "network") throws {
        try self.init(json: JSONValue.parse(text, source: source))
    }

    /// Reads and parses a network file, or a training checkpoint (`eventax train … DIR/checkpoint.json`,
    /// recognized by its `trainables` key), whose best-validation network it loads: as a layered
    /// file (inputs-H-classes) for the feed-forward tasks, and as its general-format file for the
    /// recurrent XOR network and the multi-compartment setups, which are not layered.
    public init(contentsOf path: String) throws {
        let json = try JSONValue.read(contentsOf: path)
        if case .object(let obj) = json, obj.contains("trainables") {
            let state = try TrainingCheckpoint.load(path)
            let c = state.config
            let network = try state.bestNetworkOnly()
            if c.task == "xor" || c.neuron == "multicompartment" {
                try self.init(json: NetworkFile.generalJSON(network))
                return
            }
            self.init(network: network, layerSizes: [c.hidden, c.classes],
                      layerModels: [c.neuron, c.loss == .ttfs ? c.neuron : "integrating_li"])
            return
        }
        try self.init(json: json)
    }

    /// A population of `count` neurons of the model called `name` (`lif`, `li`, `qif`, `eif`,
    /// `izhikevich`; case-insensitive), specialized for that model. The parameter values (one, or
    /// one per neuron) and learnable names are checked here; errors name `field.model`,
    /// `field.<parameter>` or `field.learnable[k]`.
    public static func modelSpec(name: String, count: Int, parameters: [String: [Double]] = [:], learnable: [String]? = nil,
                                 field: String = "neuron") throws -> PopulationSpec {
        let spec: PopulationSpec
        switch name.lowercased() {
        case "lif": spec = PopulationSpec(LIF(), count: count, parameters: parameters, learnable: learnable)
        case "li": spec = PopulationSpec(LI(), count: count, parameters: parameters, learnable: learnable)
        case "qif": spec = PopulationSpec(QIF(), count: count, parameters: parameters, learnable: learnable)
        case "eif": spec = PopulationSpec(EIF(), count: count, parameters: parameters, learnable: learnable)
        case "izhikevich": spec = PopulationSpec(Izhikevich(), count: count, parameters: parameters, learnable: learnable)
        default:
            throw EventaxError.invalid(field: JSONNode.childPath(field, key: "model"),
                                       "unknown model \(JSONValue.string(name).summary) (known: \(modelNames.joined(separator: ", ")))")
        }
        guard count >= 0 else { throw EventaxError.invalid(field: JSONNode.childPath(field, key: "count"), "must be ≥ 0, got \(count)") }
        try checkParameters(of: spec.model, modelName: name.lowercased(), count: count, parameters: parameters, learnable: learnable,
                            parametersField: field, learnableField: JSONNode.childPath(field, key: "learnable"))
        return spec
    }

    /// Checks parameter values (known names, one value or one per neuron, finite, > 0 where the
    /// model requires it) and learnable names against `model`. Errors name
    /// `parametersField.<parameter>` and `learnableField[k]`.
    static func checkParameters(of model: any NeuronModel, modelName: String, count: Int, parameters: [String: [Double]],
                                learnable: [String]?, parametersField: String, learnableField: String) throws {
        let specs = model.parameters
        let names = specs.map(\.name)
        for key in parameters.keys.sorted() {
            let keyField = JSONNode.childPath(parametersField, key: key)
            guard let ps = specs.first(where: { $0.name == key }) else {
                throw EventaxError.invalid(field: keyField, "unknown key: not a parameter of the \(modelName) model (parameters: \(names.joined(separator: ", ")))")
            }
            let values = parameters[key]!
            guard values.count == 1 || values.count == count else {
                throw EventaxError.invalid(field: keyField, "has \(values.count) values; give one number, or one per neuron (\(count))")
            }
            for (j, v) in values.enumerated() {
                let f = values.count == 1 ? keyField : "\(keyField)[\(j)]"
                guard v.isFinite else { throw EventaxError.invalid(field: f, "must be a finite number, got \(v)") }
                if ps.constraint == .positive && v <= 0 { throw EventaxError.invalid(field: f, "must be > 0, got \(formatNumber(v))") }
            }
        }
        for (k, l) in (learnable ?? []).enumerated() where !names.contains(l) {
            throw EventaxError.invalid(field: "\(learnableField)[\(k)]",
                                       "\(JSONValue.string(l).summary) is not a parameter of the \(modelName) model (parameters: \(names.joined(separator: ", ")))")
        }
    }

    /// The solver configuration described by a `solver` object (`nil`: the defaults).
    public static func solverConfig(_ node: JSONNode?) throws -> SolverConfig {
        try solverConfig(node, controllerKeys: false)
    }

    /// The solver configuration of a `solver` object; with `controllerKeys` (general format) it
    /// also reads the step controller's settings (``stepControllerKeys``).
    static func solverConfig(_ node: JSONNode?, controllerKeys: Bool) throws -> SolverConfig {
        guard let node else { return SolverConfig(tableau: .rk4, dt: defaultDt) }
        _ = try node.object()
        try node.rejectUnknownKeys(allowed: controllerKeys ? solverKeys + stepControllerKeys : solverKeys)
        var tableau = ButcherTableau.rk4
        if let m = try node.optional("method") {
            let name = try m.string()
            guard let t = ButcherTableau.named(name) else {
                throw m.error("unknown method \(JSONValue.string(name).summary) (known: \(ButcherTableau.builtInNames.joined(separator: ", ")))")
            }
            tableau = t
        }
        var dt = defaultDt
        if let d = try node.optional("dt") {
            dt = try d.number()
            guard dt > 0 else { throw d.error("must be > 0, got \(formatNumber(dt))") }
        }
        var tolerances: [Double?] = []
        for key in ["rtol", "atol"] {
            guard let t = try node.optional(key) else { tolerances.append(nil); continue }
            let v = try t.number()
            guard v > 0 else { throw t.error("must be > 0, got \(formatNumber(v))") }
            tolerances.append(v)
        }
        var adaptive: AdaptiveConfig?
        if tolerances[0] != nil || tolerances[1] != nil {
            adaptive = AdaptiveConfig(rtol: tolerances[0] ?? defaultRtol, atol: tolerances[1] ?? defaultAtol)
        }
        if controllerKeys { try readStepController(node, into: &adaptive) }
        let config = SolverConfig(tableau: tableau, dt: dt, adaptive: adaptive)
        try config.validate()
        return config
    }

    /// The population of one layer from its neuron object, with the layer's bias (parameter `ic`).
    static func layerSpec(_ node: JSONNode, count: Int, bias: [Double]?, biasField: String) throws -> (PopulationSpec, String) {
        _ = try node.object()
        let name = try node.required("model").string()
        let learnable = try node.optional("learnable")?.strings()
        var parameters: [String: [Double]] = [:]
        for (key, child) in try node.members() where key != "model" && key != "learnable" {
            switch child.value {
            case .array: parameters[key] = try child.numbers()
            case .number: parameters[key] = [try child.number()]
            default: throw child.error("expected a number (or an array with one per neuron), got \(child.value.summary)")
            }
        }
        var spec = try modelSpec(name: name, count: count, parameters: parameters, learnable: learnable, field: node.path)
        if let bias {
            if spec.model.parameterIndex("ic") != nil {
                guard parameters["ic"] == nil else {
                    throw EventaxError.invalid(field: biasField, "conflicts with \(JSONNode.childPath(node.path, key: "ic")); set the bias current in one place")
                }
                spec.parameters["ic"] = bias
            } else if let j = bias.firstIndex(where: { $0 != 0 }) {
                throw EventaxError.invalid(field: "\(biasField)[\(j)]", "must be 0: the \(name.lowercased()) model has no bias current (ic), got \(formatNumber(bias[j]))")
            }
        }
        return (spec, name.lowercased())
    }

    /// Maps an engine field `populations[l]…` to the file's field for layer `l`.
    static func fileField(_ field: String, layerFields: [String]) -> String {
        guard let close = field.firstIndex(of: "]"),
              let l = Int(field[field.index(field.startIndex, offsetBy: "populations[".count)..<close]),
              layerFields.indices.contains(l) else { return field }
        return layerFields[l] + field[field.index(after: close)...]
    }

    // MARK: gradients and results

    /// The weight gradients shaped like a layered file's `weights`: `[layer][pre][post]`.
    /// `gradients` must come from a simulator of this file's network. For a general-format file
    /// this throws; use ``connectionGradients(_:)``.
    public func weightGradients(_ gradients: Gradients) throws -> [[[Double]]] {
        guard format == .layered else {
            throw EventaxError.invalid(field: "format", "weight gradients shaped [layer][pre][post] need a layered file; this one is general (use connectionGradients)")
        }
        guard gradients.weights.count == network.weights.count else {
            throw EventaxError.invalid(field: "gradients.weights", "has \(gradients.weights.count) values, expected \(network.weights.count)")
        }
        var out: [[[Double]]] = []
        var s = 0
        var pre = inputCount
        for size in layerSizes {
            var m: [[Double]] = []
            m.reserveCapacity(pre)
            for _ in 0..<pre {
                var row: [Double] = []
                row.reserveCapacity(size)
                for _ in 0..<size {
                    row.append(gradients.weights[network.weightIndex(ofSynapse: s)])
                    s += 1
                }
                m.append(row)
            }
            out.append(m)
            pre = size
        }
        return out
    }

    /// The bias gradients shaped like the file's `bias`: `[layer][neuron]`, the gradient of each
    /// neuron's `ic` (0 where `ic` is not learnable). `gradients` must come from a simulator of this
    /// file's network.
    public func biasGradients(_ gradients: Gradients) throws -> [[Double]] {
        guard gradients.parameters.count == network.learnableTotal else {
            throw EventaxError.invalid(field: "gradients.parameters", "has \(gradients.parameters.count) values, expected \(network.learnableTotal)")
        }
        var out: [[Double]] = []
        var n = 0
        for size in layerSizes {
            var row: [Double] = []
            for _ in 0..<size {
                if let k = network.learnableNames(ofNeuron: n).firstIndex(of: "ic") {
                    row.append(gradients.parameters[network.learnableOffset[n] + k])
                } else {
                    row.append(0)
                }
                n += 1
            }
            out.append(row)
        }
        return out
    }

    /// Layered: `{"weights": [layer][pre][post], "bias": [layer][neuron], "inputs": [channel][spike]}`.
    /// General: `{"weights": [one entry per connection, shaped like its weights or synapses],
    /// "bias": [population][neuron], "parameters": [population]{name: [neuron]},
    /// "inputs": [channel][spike]}` (see ``connectionGradients(_:)`` and ``parameterGradients(_:)``).
    public func gradientsJSON(_ gradients: Gradients) throws -> JSONValue {
        if format == .general {
            return [
                "weights": .array(try connectionGradients(gradients)),
                "bias": JSONValue(try biasGradients(gradients)),
                "parameters": .array(try parameterGradients(gradients)),
                "inputs": JSONValue(gradients.inputs),
            ]
        }
        return [
            "weights": JSONValue(try weightGradients(gradients)),
            "bias": JSONValue(try biasGradients(gradients)),
            "inputs": JSONValue(gradients.inputs),
        ]
    }

    /// The output of a run: `{"ttfs": [t or null per output], "spikes": [[t, …] per neuron],
    /// "states": [output][time][channel] (if `includeStates`), "gradients": … (if given)}`.
    public func resultJSON(_ result: SimulationResult, includeStates: Bool, gradients: Gradients? = nil) throws -> JSONValue {
        var o: JSONObject = ["ttfs": JSONValue(result.ttfs), "spikes": JSONValue(result.spikes)]
        if includeStates { o["states"] = JSONValue(result.states) }
        if let gradients { o["gradients"] = try gradientsJSON(gradients) }
        return .object(o)
    }
}
