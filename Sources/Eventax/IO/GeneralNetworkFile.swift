import Foundation

// MARK: - Models by name

/// A wrapper that the general network format can put around a population's model.
public enum ModelWrapper: Equatable, Sendable {
    /// ``AMOS``: at most one spike per neuron and trial; with `freeze`, the dynamics stop after it.
    case amos(freeze: Bool)
    /// ``Refractory``: a refractory period (the added parameter `tref`); with `blockInput`,
    /// inputs arriving during it are ignored.
    case refractory(blockInput: Bool)

    /// The wrapper's name in network files.
    public var name: String {
        switch self {
        case .amos: return "amos"
        case .refractory: return "refractory"
        }
    }
}

/// Models that the general network format can name: the base model's name and the wrappers
/// around it, innermost first (`nil`: no name, e.g. a LogTimeConstants with other parameters).
protocol NetworkFileNamedModel {
    var networkFileName: (model: String, wrappers: [ModelWrapper])? { get }
}

extension LIF: NetworkFileNamedModel { var networkFileName: (model: String, wrappers: [ModelWrapper])? { ("lif", []) } }
extension LI: NetworkFileNamedModel { var networkFileName: (model: String, wrappers: [ModelWrapper])? { ("li", []) } }
extension QIF: NetworkFileNamedModel { var networkFileName: (model: String, wrappers: [ModelWrapper])? { ("qif", []) } }
extension EIF: NetworkFileNamedModel { var networkFileName: (model: String, wrappers: [ModelWrapper])? { ("eif", []) } }
extension Izhikevich: NetworkFileNamedModel { var networkFileName: (model: String, wrappers: [ModelWrapper])? { ("izhikevich", []) } }
extension ALIF: NetworkFileNamedModel { var networkFileName: (model: String, wrappers: [ModelWrapper])? { ("alif", []) } }
extension EGRU: NetworkFileNamedModel { var networkFileName: (model: String, wrappers: [ModelWrapper])? { ("egru", []) } }
extension IntegratingLI: NetworkFileNamedModel { var networkFileName: (model: String, wrappers: [ModelWrapper])? { ("integrating_li", []) } }
extension MultiCompartment: NetworkFileNamedModel { var networkFileName: (model: String, wrappers: [ModelWrapper])? { ("multicompartment", []) } }

extension LogTimeConstants: NetworkFileNamedModel {
    var networkFileName: (model: String, wrappers: [ModelWrapper])? {
        guard Set(names) == ["tmem", "tsyn"] else { return nil }
        if Inner.self == LIF.self { return ("plif", []) }
        if Inner.self == QIF.self { return ("pqif", []) }
        return nil
    }
}

extension AMOS: NetworkFileNamedModel {
    var networkFileName: (model: String, wrappers: [ModelWrapper])? {
        guard let d = (inner as? any NetworkFileNamedModel)?.networkFileName else { return nil }
        return (d.model, d.wrappers + [.amos(freeze: freeze)])
    }
}

extension Refractory: NetworkFileNamedModel {
    var networkFileName: (model: String, wrappers: [ModelWrapper])? {
        guard let d = (inner as? any NetworkFileNamedModel)?.networkFileName else { return nil }
        return (d.model, d.wrappers + [.refractory(blockInput: blockInput)])
    }
}

/// How one connection block of a general-format file maps onto the network's synapses.
struct ConnectionLayout: Sendable {
    /// The shape of a dense block and the position `row * cols + col` of each of its synapses.
    struct Dense: Sendable {
        var rows: Int
        var cols: Int
        var positions: [Int]
    }
    /// The block's first synapse in ``Network/synapses``.
    var firstSynapse: Int
    /// The number of synapses the block created.
    var synapseCount: Int
    /// The weight components per synapse (the target model's).
    var weightsPerSynapse: Int
    /// Dense blocks: shape and positions; `nil` for sparse lists.
    var dense: Dense?
}

/// The general format's spiking models as one model type, used inside its wrappers
/// (`AMOS<BaseModel>`, `Refractory<BaseModel>`, `AMOS<Refractory<BaseModel>>`,
/// `Refractory<AMOS<BaseModel>>`). Each model function dispatches at run time to the concrete
/// model (`LIF`, `EGRU`, …), whose own code runs unchanged, and the wrappers are the library's own
/// `AMOS` and `Refractory`, so a population computes bitwise what, e.g., `AMOS(Refractory(ALIF()))`
/// built in Swift computes. The engine compiles its kernels once per model type; with concrete
/// types the 32 wrapped combinations made the release binary three times larger (21 → 71 MB)
/// and its build several times slower. This way they cost 4 kernel types, for the price of a
/// switch and a call per model function.
struct BaseModel: NeuronModel {
    /// The concrete model.
    enum Kind: Sendable {
        case lif(LIF), qif(QIF), eif(EIF), izhikevich(Izhikevich), alif(ALIF), egru(EGRU), plif(PLIF), pqif(PQIF)
    }

    let kind: Kind
    /// The concrete model, for the non-hot requirements.
    let model: any NeuronModel
    let stateNames: [String]
    let parameters: [ParameterSpec]
    let defaultLearnable: [String]
    let observableNames: [String]
    let weightsPerSynapse: Int
    let canSpike: Bool

    /// The spiking model called `name` in the general format; `nil` for other names.
    init?(name: String) {
        switch name {
        case "lif": kind = .lif(LIF()); model = LIF()
        case "qif": kind = .qif(QIF()); model = QIF()
        case "eif": kind = .eif(EIF()); model = EIF()
        case "izhikevich": kind = .izhikevich(Izhikevich()); model = Izhikevich()
        case "alif": kind = .alif(ALIF()); model = ALIF()
        case "egru": kind = .egru(EGRU()); model = EGRU()
        case "plif": kind = .plif(PLIF()); model = PLIF()
        case "pqif": kind = .pqif(PQIF()); model = PQIF()
        default: return nil
        }
        stateNames = model.stateNames
        parameters = model.parameters
        defaultLearnable = model.defaultLearnable
        observableNames = model.observableNames
        weightsPerSynapse = model.weightsPerSynapse
        canSpike = model.canSpike
    }

    func completeParameters(_ p: inout [Double], given: Set<String>) { model.completeParameters(&p, given: given) }

    @inline(never) func initialState<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) {
        switch kind {
        case .lif(let m): m.initialState(s, p)
        case .qif(let m): m.initialState(s, p)
        case .eif(let m): m.initialState(s, p)
        case .izhikevich(let m): m.initialState(s, p)
        case .alif(let m): m.initialState(s, p)
        case .egru(let m): m.initialState(s, p)
        case .plif(let m): m.initialState(s, p)
        case .pqif(let m): m.initialState(s, p)
        }
    }
    @inline(never) func dynamics<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>, _ ds: Vars<T>) {
        switch kind {
        case .lif(let m): m.dynamics(s, p, ds)
        case .qif(let m): m.dynamics(s, p, ds)
        case .eif(let m): m.dynamics(s, p, ds)
        case .izhikevich(let m): m.dynamics(s, p, ds)
        case .alif(let m): m.dynamics(s, p, ds)
        case .egru(let m): m.dynamics(s, p, ds)
        case .plif(let m): m.dynamics(s, p, ds)
        case .pqif(let m): m.dynamics(s, p, ds)
        }
    }
    @inline(never) func spikeCondition<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) -> T {
        switch kind {
        case .lif(let m): return m.spikeCondition(s, p)
        case .qif(let m): return m.spikeCondition(s, p)
        case .eif(let m): return m.spikeCondition(s, p)
        case .izhikevich(let m): return m.spikeCondition(s, p)
        case .alif(let m): return m.spikeCondition(s, p)
        case .egru(let m): return m.spikeCondition(s, p)
        case .plif(let m): return m.spikeCondition(s, p)
        case .pqif(let m): return m.spikeCondition(s, p)
        }
    }
    @inline(never) func inputJump<T: NeuronScalar>(_ s: Vars<T>, _ w: Vars<T>, _ p: Vars<T>) {
        switch kind {
        case .lif(let m): m.inputJump(s, w, p)
        case .qif(let m): m.inputJump(s, w, p)
        case .eif(let m): m.inputJump(s, w, p)
        case .izhikevich(let m): m.inputJump(s, w, p)
        case .alif(let m): m.inputJump(s, w, p)
        case .egru(let m): m.inputJump(s, w, p)
        case .plif(let m): m.inputJump(s, w, p)
        case .pqif(let m): m.inputJump(s, w, p)
        }
    }
    @inline(never) func reset<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>) {
        switch kind {
        case .lif(let m): m.reset(s, p)
        case .qif(let m): m.reset(s, p)
        case .eif(let m): m.reset(s, p)
        case .izhikevich(let m): m.reset(s, p)
        case .alif(let m): m.reset(s, p)
        case .egru(let m): m.reset(s, p)
        case .plif(let m): m.reset(s, p)
        case .pqif(let m): m.reset(s, p)
        }
    }
    @inline(never) func observe<T: NeuronScalar>(_ s: Vars<T>, _ p: Vars<T>, _ o: Vars<T>) {
        switch kind {
        case .lif(let m): m.observe(s, p, o)
        case .qif(let m): m.observe(s, p, o)
        case .eif(let m): m.observe(s, p, o)
        case .izhikevich(let m): m.observe(s, p, o)
        case .alif(let m): m.observe(s, p, o)
        case .egru(let m): m.observe(s, p, o)
        case .plif(let m): m.observe(s, p, o)
        case .pqif(let m): m.observe(s, p, o)
        }
    }
}

extension BaseModel: NetworkFileNamedModel {
    var networkFileName: (model: String, wrappers: [ModelWrapper])? { (model as? any NetworkFileNamedModel)?.networkFileName }
}

// MARK: - The general format

extension NetworkFile {
    /// The value of `format` that selects the general format.
    public static let generalFormatName = "general"
    /// The version of the general format this build reads and writes.
    public static let generalFormatVersion = 1
    /// The keys allowed at the top level of a general-format file.
    public static let generalTopLevelKeys = ["format", "version", "inputs", "populations", "connections", "outputs", "tmax", "solver", "maxEvents"]
    /// The keys allowed in a population object.
    public static let populationKeys = ["model", "count", "parameters", "learnable", "wrap", "axonal_delays"]
    /// The keys allowed in a population object of the `multicompartment` model.
    public static let multiCompartmentPopulationKeys = populationKeys + ["dendrites"]
    /// The keys allowed in a dense connection block.
    public static let denseConnectionKeys = ["from", "to", "weights", "mask", "no_self", "delays"]
    /// The keys allowed in a sparse connection list.
    public static let sparseConnectionKeys = ["from", "to", "synapses", "delays"]
    /// The keys allowed in a wrapper object (`{"type": "refractory", "block_input": true, "tref": 2}`).
    public static let wrapperKeys = ["type", "block_input", "tref"]
    /// The step-controller keys the general format allows in `solver` (adaptive steps only).
    public static let stepControllerKeys = ["pcoeff", "icoeff", "safety", "factor_min", "factor_max", "dt_max"]
    /// The model names the general format knows that take no extra keys and any wrapper (spiking
    /// models); ``multiCompartmentModelName`` is known as well.
    public static let generalModelNames = ["lif", "li", "qif", "eif", "izhikevich", "alif", "egru", "plif", "pqif", "integrating_li"]
    /// The ``MultiCompartment`` model's name. Unlike the ``generalModelNames`` it takes the
    /// population key `dendrites` (default ``defaultDendrites``) and only the amos wrapper.
    public static let multiCompartmentModelName = "multicompartment"
    /// The number of dendrites of a `multicompartment` population without a `dendrites` key.
    public static let defaultDendrites = 7
    /// Every model name the general format reads.
    static var knownModelNames: [String] { generalModelNames + [multiCompartmentModelName] }
    /// The known model names, for error messages.
    static var knownModelsText: String {
        "(known: \(generalModelNames.joined(separator: ", "))), or \(multiCompartmentModelName) (with a dendrites key)"
    }
    /// The wrapper names the general format knows.
    public static let wrapperNames = ["amos", "refractory"]

    /// The model called `name` with `wrappers` around it, innermost first, as a population of
    /// `count` neurons specialized for that model (`"amos(refractory(lif))"` is
    /// `AMOS(Refractory(LIF()))`). Each wrapper may appear once; models that never spike (`li`,
    /// `integrating_li`) take none. Parameter values (one, or one per neuron) and learnable names
    /// are checked; errors name `field.model`, `field.wrap[k]`, `field.parameters.<name>` or
    /// `field.learnable[k]`.
    /// A `multicompartment` population has `dendrites` dendrites (default ``defaultDendrites``;
    /// other models take none) and at most the amos wrapper.
    public static func generalModelSpec(name: String, wrappers: [ModelWrapper] = [], count: Int, parameters: [String: [Double]] = [:],
                                        learnable: [String]? = nil, dendrites: Int? = nil, field: String = "population") throws -> PopulationSpec {
        let model = name.lowercased()
        guard knownModelNames.contains(model) else {
            throw EventaxError.invalid(field: JSONNode.childPath(field, key: "model"),
                                       "unknown model \(JSONValue.string(name).summary) \(knownModelsText)")
        }
        guard count >= 0 else { throw EventaxError.invalid(field: JSONNode.childPath(field, key: "count"), "must be ≥ 0, got \(count)") }
        let wrapField = JSONNode.childPath(field, key: "wrap")
        // The freeze flag of a sole amos wrapper (nil: no wrapper, or other wrappers).
        var soleAmos: Bool?
        if wrappers.count == 1, case .amos(let freeze) = wrappers[0] { soleAmos = freeze }
        if model == multiCompartmentModelName {
            let mc: MultiCompartment
            do {
                mc = try MultiCompartment(dendrites: dendrites ?? defaultDendrites)
            } catch EventaxError.invalid(_, let message) {
                throw EventaxError.invalid(field: JSONNode.childPath(field, key: "dendrites"), message)
            }
            let spec: PopulationSpec
            switch (wrappers.isEmpty, soleAmos) {
            case (true, _): spec = PopulationSpec(mc, count: count, parameters: parameters, learnable: learnable)
            case (_, let freeze?): spec = PopulationSpec(AMOS(mc, freeze: freeze), count: count, parameters: parameters, learnable: learnable)
            default:
                let k = wrappers.firstIndex { $0.name != "amos" } ?? 1
                throw EventaxError.invalid(field: "\(wrapField)[\(k)]", "the \(model) model takes only the amos wrapper, got \(wrappers.map(\.name))")
            }
            try checkParameters(of: spec.model, modelName: modelLabel(model, wrappers), count: count, parameters: parameters, learnable: learnable,
                                parametersField: JSONNode.childPath(field, key: "parameters"), learnableField: JSONNode.childPath(field, key: "learnable"))
            return spec
        }
        if dendrites != nil {
            throw EventaxError.invalid(field: JSONNode.childPath(field, key: "dendrites"), "applies to the \(multiCompartmentModelName) model only, not \(model)")
        }
        for (k, w) in wrappers.enumerated() {
            if model == "li" || model == "integrating_li" {
                throw EventaxError.invalid(field: "\(wrapField)[\(k)]", "the \(model) model never spikes; \(w.name) applies to spiking models only")
            }
            if wrappers[..<k].contains(where: { $0.name == w.name }) {
                throw EventaxError.invalid(field: "\(wrapField)[\(k)]", "\(w.name) appears twice; each wrapper may wrap a model once")
            }
        }
        func make<M: NeuronModel>(_ m: M) -> PopulationSpec {
            PopulationSpec(m, count: count, parameters: parameters, learnable: learnable)
        }
        let spec: PopulationSpec
        switch (model, wrappers.isEmpty, soleAmos) {
        case ("lif", true, _): spec = make(LIF())
        case ("li", true, _): spec = make(LI())
        case ("qif", true, _): spec = make(QIF())
        case ("eif", true, _): spec = make(EIF())
        case ("izhikevich", true, _): spec = make(Izhikevich())
        case ("alif", true, _): spec = make(ALIF())
        case ("egru", true, _): spec = make(EGRU())
        case ("plif", true, _): spec = make(PLIF())
        case ("pqif", true, _): spec = make(PQIF())
        case ("integrating_li", true, _): spec = make(IntegratingLI())
        // AMOS around the trainer's models keeps its concrete type (full speed; the trainer compiles
        // these kernels anyway). Every other wrapping runs a BaseModel inside the wrappers.
        case ("lif", _, let freeze?): spec = make(AMOS(LIF(), freeze: freeze))
        case ("qif", _, let freeze?): spec = make(AMOS(QIF(), freeze: freeze))
        case ("eif", _, let freeze?): spec = make(AMOS(EIF(), freeze: freeze))
        case ("izhikevich", _, let freeze?): spec = make(AMOS(Izhikevich(), freeze: freeze))
        default:
            guard let base = BaseModel(name: model) else {
                // Unreachable after the checks above (a known spiking model).
                throw EventaxError.invalid(field: JSONNode.childPath(field, key: "model"), "\(model) takes no wrappers")
            }
            switch (wrappers.count, wrappers.first, wrappers.last) {
            case (1, .amos(let freeze), _): spec = make(AMOS(base, freeze: freeze))
            case (1, .refractory(let block), _): spec = make(Refractory(base, blockInput: block))
            case (2, .refractory(let block), .amos(let freeze)): spec = make(AMOS(Refractory(base, blockInput: block), freeze: freeze))
            case (2, .amos(let freeze), .refractory(let block)): spec = make(Refractory(AMOS(base, freeze: freeze), blockInput: block))
            default:
                // Unreachable after the checks above (at most two different wrappers).
                throw EventaxError.invalid(field: wrapField, "unsupported combination of wrappers")
            }
        }
        try checkParameters(of: spec.model, modelName: modelLabel(model, wrappers), count: count, parameters: parameters, learnable: learnable,
                            parametersField: JSONNode.childPath(field, key: "parameters"), learnableField: JSONNode.childPath(field, key: "learnable"))
        return spec
    }

    /// `amos(refractory(lif))` for messages.
    static func modelLabel(_ model: String, _ wrappers: [ModelWrapper]) -> String {
        wrappers.reduce(model) { "\($1.name)(\($0))" }
    }

    // MARK: reading

    /// Parses a general-format network file's JSON value (`"format": "general"`) and builds the
    /// network; see `docs/network-format.md`. Only the synapses a block names are created: masked
    /// out, self (`no_self`) and unlisted synapses do not exist. Every error names the JSON path
    /// and the offending value, e.g. `connections[2].mask[3][1]: expected 0 or 1, got 7`.
    public init(generalJSON json: JSONValue) throws {
        let root = JSONNode(json)
        _ = try root.object()
        try root.rejectUnknownKeys(allowed: NetworkFile.generalTopLevelKeys)
        let formatNode = try root.required("format")
        let formatName = try formatNode.string()
        guard formatName == NetworkFile.generalFormatName else {
            throw formatNode.error("expected \"general\", got \(JSONValue.string(formatName).summary)")
        }
        let versionNode = try root.required("version")
        let version = try versionNode.integer()
        guard version == NetworkFile.generalFormatVersion else {
            throw versionNode.error("unsupported version \(version) of the general format (this build reads version \(NetworkFile.generalFormatVersion))")
        }
        let inputs = try root.required("inputs").integer(in: 0...Int.max)

        var specs: [PopulationSpec] = []
        var models: [String] = []
        var first: [Int] = []
        var axonalDelays: [Double] = []
        var total = 0
        for node in try root.required("populations").array() {
            let (spec, model) = try NetworkFile.generalPopulation(node)
            guard spec.count <= Int(Int32.max) - total else {
                throw EventaxError.invalid(field: JSONNode.childPath(node.path, key: "count"),
                                           "\(spec.count) neurons would make more than \(Int32.max) in the network")
            }
            specs.append(spec)
            models.append(model)
            first.append(total)
            total += spec.count
            axonalDelays += try NetworkFile.axonalDelays(node, count: spec.count)
        }
        let sizes = specs.map(\.count)

        var synapses: [Synapse] = []
        var layouts: [ConnectionLayout] = []
        if let connections = try root.optional("connections") {
            for node in try connections.array() {
                let start = synapses.count
                var layout = try NetworkFile.readConnection(node, inputs: inputs, specs: specs, models: models, first: first, into: &synapses)
                layout.firstSynapse = start
                layout.synapseCount = synapses.count - start
                layouts.append(layout)
            }
        }

        let outputsNode = try root.required("outputs")
        var outputs: [Int] = []
        for o in try outputsNode.array() {
            guard case .number(let d) = o.value, d == d.rounded(), abs(d) < 9.0e15 else { throw o.error("expected an integer (a neuron index), got \(o.value.summary)") }
            guard d >= 0 && Int(d) < total else {
                throw o.error("neuron \(formatNumber(d)) does not exist (the network has \(total) neurons, numbered population by population from 0)")
            }
            outputs.append(Int(d))
        }

        let tmaxNode = try root.required("tmax")
        let tmax = try tmaxNode.number()
        guard tmax > 0 else { throw tmaxNode.error("must be > 0, got \(formatNumber(tmax))") }
        let solver = try NetworkFile.solverConfig(try root.optional("solver"), controllerKeys: true)
        let maxEvents = try root.optional("maxEvents")?.integer(in: 1...Int.max) ?? NetworkFile.defaultMaxEvents

        let network: Network
        do {
            network = try Network(inputCount: inputs, populations: specs, synapses: synapses, outputs: outputs, tmax: tmax,
                                  solver: solver, maxEvents: maxEvents, axonalDelays: axonalDelays.contains { $0 != 0 } ? axonalDelays : [])
        } catch EventaxError.invalid(let field, let message) {
            throw EventaxError.invalid(field: NetworkFile.generalField(field), message)
        }
        self.init(network: network, layerSizes: sizes, layerModels: models, format: .general, connectionLayouts: layouts)
    }

    /// Parses general-format network text (the `format` key may also select the layered format;
    /// see ``init(json:)``).
    public init(generalParsing text: String, source: String = "network") throws {
        try self.init(generalJSON: JSONValue.parse(text, source: source))
    }

    /// Maps an engine field `populations[k].<parameter>` to the file's `populations[k].parameters.<parameter>`.
    static func generalField(_ field: String) -> String {
        guard field.hasPrefix("populations["), let close = field.firstIndex(of: "]") else { return field }
        let rest = field[field.index(after: close)...]
        guard rest.hasPrefix("."), !["count", "learnable"].contains(String(rest.dropFirst())) else { return field }
        return String(field[...close]) + ".parameters" + rest
    }

    /// One population object: its spec and its (lower-cased) model name.
    static func generalPopulation(_ node: JSONNode) throws -> (PopulationSpec, String) {
        _ = try node.object()
        let isMultiCompartment = (try? node.required("model").string().lowercased()) == multiCompartmentModelName
        try node.rejectUnknownKeys(allowed: isMultiCompartment ? multiCompartmentPopulationKeys : populationKeys)
        let modelNode = try node.required("model")
        let model = try modelNode.string().lowercased()
        guard knownModelNames.contains(model) else {
            throw modelNode.error("unknown model \(modelNode.value.summary) \(knownModelsText)")
        }
        let count = try node.required("count").integer(in: 0...Int.max)
        let dendrites = try node.optional("dendrites")?.integer()
        var parameters: [String: [Double]] = [:]
        if let p = try node.optional("parameters") {
            for (key, child) in try p.members() { parameters[key] = try parameterValues(child) }
        }
        let learnable = try node.optional("learnable")?.strings()
        var wrappers: [ModelWrapper] = []
        if let w = try node.optional("wrap") {
            for entry in try w.array() {
                switch entry.value {
                case .string(let s):
                    switch s.lowercased() {
                    case "amos": wrappers.append(.amos(freeze: false))
                    case "refractory": wrappers.append(.refractory(blockInput: false))
                    default: throw entry.error("unknown wrapper \(entry.value.summary) (known: \(wrapperNames.joined(separator: ", ")))")
                    }
                case .object:
                    let typeNode = try entry.required("type")
                    let type = try typeNode.string().lowercased()
                    switch type {
                    case "amos":
                        try entry.rejectUnknownKeys(allowed: ["type", "freeze"])
                        wrappers.append(.amos(freeze: try entry.optional("freeze")?.bool() ?? false))
                    case "refractory":
                        try entry.rejectUnknownKeys(allowed: wrapperKeys)
                        wrappers.append(.refractory(blockInput: try entry.optional("block_input")?.bool() ?? false))
                        if let trefNode = try entry.optional("tref") {
                            if parameters["tref"] != nil {
                                throw trefNode.error("conflicts with \(JSONNode.childPath(JSONNode.childPath(node.path, key: "parameters"), key: "tref")); set tref in one place")
                            }
                            let values = try parameterValues(trefNode)
                            guard values.count == 1 || values.count == count else {
                                throw trefNode.error("has \(values.count) values; give one number, or one per neuron (\(count))")
                            }
                            for (j, v) in values.enumerated() where v <= 0 {
                                throw EventaxError.invalid(field: values.count == 1 ? trefNode.field : "\(trefNode.path)[\(j)]", "must be > 0, got \(formatNumber(v))")
                            }
                            parameters["tref"] = values
                        }
                    default:
                        throw typeNode.error("unknown wrapper \(typeNode.value.summary) (known: \(wrapperNames.joined(separator: ", ")))")
                    }
                default:
                    throw entry.error("expected a wrapper name (\(wrapperNames.joined(separator: ", "))) or an object {\"type\": …}, got \(entry.value.summary)")
                }
            }
        }
        let spec = try generalModelSpec(name: model, wrappers: wrappers, count: count, parameters: parameters, learnable: learnable,
                                        dendrites: dendrites, field: node.path)
        return (spec, model)
    }

    /// A population's `axonal_delays` (a number ≥ 0 for every neuron, or one per neuron), as one
    /// value per neuron; all 0 without the key.
    static func axonalDelays(_ node: JSONNode, count: Int) throws -> [Double] {
        guard let d = try node.optional("axonal_delays") else { return [Double](repeating: 0, count: count) }
        if case .number = d.value { return [Double](repeating: try delayValue(d.value, d.path), count: count) }
        guard case .array(let a) = d.value else {
            throw d.error("expected a number ≥ 0 (or an array with one per neuron), got \(d.value.summary)")
        }
        guard a.count == count else { throw d.error("has \(a.count) values, expected one per neuron (\(count))") }
        return try a.enumerated().map { try delayValue($1, "\(d.path)[\($0)]") }
    }

    /// A parameter's value: one number, or an array with one per neuron.
    static func parameterValues(_ node: JSONNode) throws -> [Double] {
        switch node.value {
        case .array: return try node.numbers()
        case .number: return [try node.number()]
        default: throw node.error("expected a number (or an array with one per neuron), got \(node.value.summary)")
        }
    }

    /// Where a connection's spikes come from.
    enum BlockSource: Equatable {
        case input
        case population(Int)
    }

    /// Reads one connection block, appending its synapses; the layout's synapse range is set by the caller.
    static func readConnection(_ node: JSONNode, inputs: Int, specs: [PopulationSpec], models: [String], first: [Int],
                               into synapses: inout [Synapse]) throws -> ConnectionLayout {
        let o = try node.object()
        let isDense = o.contains("weights"), isSparse = o.contains("synapses")
        if isDense && isSparse {
            throw node.error("has both weights (a dense block) and synapses (a sparse list); give one of them")
        }
        guard isDense || isSparse else {
            throw node.error("needs weights (a dense block) or synapses (a sparse list of [i, j, w…])")
        }
        try node.rejectUnknownKeys(allowed: isDense ? denseConnectionKeys : sparseConnectionKeys)

        let fromNode = try node.required("from")
        let from: BlockSource
        switch fromNode.value {
        case .string("input"): from = .input
        case .number:
            let p = try fromNode.integer()
            guard p >= 0 && p < specs.count else { throw fromNode.error("population \(p) does not exist (the network has \(specs.count) populations)") }
            from = .population(p)
        default:
            throw fromNode.error("expected \"input\" or a population index, got \(fromNode.value.summary)")
        }
        let toNode = try node.required("to")
        guard case .number = toNode.value else { throw toNode.error("expected a population index, got \(toNode.value.summary)") }
        let to = try toNode.integer()
        guard to >= 0 && to < specs.count else { throw toNode.error("population \(to) does not exist (the network has \(specs.count) populations)") }

        let rows: Int
        let rowWhat: String, rowRange: String
        switch from {
        case .input: rows = inputs; rowWhat = "input channel"; rowRange = "there \(inputs == 1 ? "is 1 input channel" : "are \(inputs) input channels")"
        case .population(let p):
            rows = specs[p].count; rowWhat = "neuron of population \(p)"
            rowRange = "population \(p) has \(rows) neuron\(rows == 1 ? "" : "s")"
        }
        let cols = specs[to].count
        let colWhat = "neuron of population \(to)"
        let colRange = "population \(to) has \(cols) neuron\(cols == 1 ? "" : "s")"
        let wps = specs[to].model.weightsPerSynapse
        let weightWhat = wps == 1 ? "a number" : "an array of \(wps) numbers (the \(models[to]) model takes \(wps) weights per synapse)"
        func source(_ i: Int) -> SpikeSource {
            switch from {
            case .input: return .input(i)
            case .population(let p): return .neuron(first[p] + i)
            }
        }

        if isSparse {
            let listNode = try node.required("synapses")
            guard case .array(let list) = listNode.value else { throw listNode.typeError("an array of [i, j, weights…]") }
            var delays: [Double]?
            var uniformDelay = 0.0
            if let d = try node.optional("delays") {
                switch d.value {
                case .number: uniformDelay = try delayValue(d.value, d.path)
                case .array(let a):
                    guard a.count == list.count else {
                        throw d.error("has \(a.count) entries, expected one per synapse (\(list.count))")
                    }
                    delays = try a.enumerated().map { try delayValue($1, "\(d.path)[\($0)]") }
                default: throw d.error("expected a number (every synapse) or an array with one per synapse, got \(d.value.summary)")
                }
            }
            synapses.reserveCapacity(synapses.count + list.count)
            for (k, entry) in list.enumerated() {
                let path = "\(listNode.path)[\(k)]"
                guard case .array(let e) = entry, e.count == 2 + wps else {
                    let shape = wps == 1 ? "[i, j, w]" : "[i, j, then \(wps) weights] (the \(models[to]) model takes \(wps) weights per synapse)"
                    throw EventaxError.invalid(field: path, "expected \(shape), got \(entry.summary)")
                }
                let i = try index(e[0], "\(path)[0]", count: rows, range: rowRange)
                let j = try index(e[1], "\(path)[1]", count: cols, range: colRange)
                var w: [Double] = []
                w.reserveCapacity(wps)
                for c in 0..<wps { w.append(try number(e[2 + c], "\(path)[\(2 + c)]")) }
                synapses.append(Synapse(from: source(i), to: first[to] + j, weight: w, delay: delays?[k] ?? uniformDelay))
            }
            return ConnectionLayout(firstSynapse: 0, synapseCount: 0, weightsPerSynapse: wps, dense: nil)
        }

        // A dense block. The weights' shape is checked first, so that what is allocated below is
        // bounded by the size of the document.
        let weightsNode = try node.required("weights")
        let weightRows = try matrixRows(weightsNode, rows: rows, cols: cols, rowWhat: rowWhat, colWhat: colWhat)
        var present = [Bool](repeating: true, count: rows * cols)
        if let maskNode = try node.optional("mask") {
            let maskRows = try matrixRows(maskNode, rows: rows, cols: cols, rowWhat: rowWhat, colWhat: colWhat)
            for i in 0..<rows {
                for j in 0..<cols {
                    switch maskRows[i][j] {
                    case .number(0), .bool(false): present[i * cols + j] = false
                    case .number(1), .bool(true): break
                    default: throw EventaxError.invalid(field: "\(maskNode.path)[\(i)][\(j)]", "expected 0 or 1, got \(maskRows[i][j].summary)")
                    }
                }
            }
        }
        if let selfNode = try node.optional("no_self"), try selfNode.bool() {
            guard from == .population(to) else {
                let fromText: String
                switch from {
                case .input: fromText = "\"input\""
                case .population(let p): fromText = "population \(p)"
                }
                throw selfNode.error("applies to a recurrent block only (from and to the same population), got from \(fromText) to population \(to)")
            }
            for i in 0..<rows { present[i * cols + i] = false }
        }
        var delayRows: [[JSONValue]]?
        var uniformDelay = 0.0
        if let d = try node.optional("delays") {
            if case .number = d.value {
                uniformDelay = try delayValue(d.value, d.path)
            } else if case .array = d.value {
                delayRows = try matrixRows(d, rows: rows, cols: cols, rowWhat: rowWhat, colWhat: colWhat)
            } else {
                throw d.error("expected a number (every synapse) or a matrix [pre][post], got \(d.value.summary)")
            }
        }
        var positions: [Int] = []
        for i in 0..<rows {
            for j in 0..<cols {
                let value = weightRows[i][j]
                let wPath = { "\(weightsNode.path)[\(i)][\(j)]" }
                guard present[i * cols + j] else {
                    // An absent synapse: null, or a weight that is checked and ignored.
                    if value != .null { _ = try weight(value, wps: wps, path: wPath(), what: weightWhat) }
                    if let delayRows, delayRows[i][j] != .null { _ = try delayValue(delayRows[i][j], "\(delaysPath(node))[\(i)][\(j)]") }
                    continue
                }
                if value == .null {
                    throw EventaxError.invalid(field: wPath(), "expected \(weightWhat) (the synapse is present), got null")
                }
                let w = try weight(value, wps: wps, path: wPath(), what: weightWhat)
                var delay = uniformDelay
                if let delayRows { delay = try delayValue(delayRows[i][j], "\(delaysPath(node))[\(i)][\(j)]") }
                synapses.append(Synapse(from: source(i), to: first[to] + j, weight: w, delay: delay))
                positions.append(i * cols + j)
            }
        }
        return ConnectionLayout(firstSynapse: 0, synapseCount: 0, weightsPerSynapse: wps,
                                dense: ConnectionLayout.Dense(rows: rows, cols: cols, positions: positions))
    }

    /// The path of a connection's `delays`.
    private static func delaysPath(_ node: JSONNode) -> String { JSONNode.childPath(node.path, key: "delays") }

    /// The rows of a `rows × cols` matrix (weights, mask or delays), with shape errors naming the path.
    static func matrixRows(_ node: JSONNode, rows: Int, cols: Int, rowWhat: String, colWhat: String) throws -> [[JSONValue]] {
        guard case .array(let a) = node.value else { throw node.typeError("a matrix (an array of rows)") }
        guard a.count == rows else { throw node.error("has \(a.count) rows, expected \(rows) (one per \(rowWhat))") }
        return try a.enumerated().map { i, row in
            guard case .array(let r) = row else {
                throw EventaxError.invalid(field: "\(node.path)[\(i)]", "expected an array (a row), got \(row.summary)")
            }
            guard r.count == cols else {
                throw EventaxError.invalid(field: "\(node.path)[\(i)]", "has \(r.count) entries, expected \(cols) (one per \(colWhat))")
            }
            return r
        }
    }

    /// A finite number at `path`.
    static func number(_ value: JSONValue, _ path: String) throws -> Double {
        guard case .number(let d) = value else { throw EventaxError.invalid(field: path, "expected a number, got \(value.summary)") }
        guard d.isFinite else { throw EventaxError.invalid(field: path, "must be a finite number, got \(d)") }
        return d
    }

    /// A delay (a finite number ≥ 0) at `path`.
    static func delayValue(_ value: JSONValue, _ path: String) throws -> Double {
        let d = try number(value, path)
        guard d >= 0 else { throw EventaxError.invalid(field: path, "must be ≥ 0, got \(formatNumber(d))") }
        return d
    }

    /// A synapse's weight vector: a number (one weight per synapse) or an array of `wps` numbers.
    static func weight(_ value: JSONValue, wps: Int, path: String, what: String) throws -> [Double] {
        if wps == 1 {
            guard case .number = value else { throw EventaxError.invalid(field: path, "expected \(what), got \(value.summary)") }
            return [try number(value, path)]
        }
        guard case .array(let a) = value, a.count == wps else { throw EventaxError.invalid(field: path, "expected \(what), got \(value.summary)") }
        return try a.enumerated().map { try number($1, "\(path)[\($0)]") }
    }

    /// A neuron or channel index in `0..<count`; `range` says what exists, for the error.
    static func index(_ value: JSONValue, _ path: String, count: Int, range: String) throws -> Int {
        guard case .number(let d) = value, d == d.rounded(), abs(d) < 9.0e15 else {
            throw EventaxError.invalid(field: path, "expected an integer index, got \(value.summary)")
        }
        guard d >= 0 && Int(d) < count else {
            throw EventaxError.invalid(field: path, "index \(formatNumber(d)) is out of range (\(range))")
        }
        return Int(d)
    }

    /// Reads the step-controller keys of a general-format `solver` object into `adaptive`.
    static func readStepController(_ node: JSONNode, into adaptive: inout AdaptiveConfig?) throws {
        for key in stepControllerKeys {
            guard let child = try node.optional(key) else { continue }
            guard var a = adaptive else { throw child.error("applies to adaptive steps only; give rtol or atol as well") }
            let v = try child.number()
            if key != "pcoeff" && key != "icoeff" && v <= 0 { throw child.error("must be > 0, got \(formatNumber(v))") }
            switch key {
            case "pcoeff": a.pcoeff = v
            case "icoeff": a.icoeff = v
            case "safety": a.safety = v
            case "factor_min": a.factorMin = v
            case "factor_max": a.factorMax = v
            default: a.dtMax = v
            }
            adaptive = a
        }
    }

    // MARK: writing

    /// The general-format JSON of `network`, e.g. a trained recurrent network to be saved. Reading
    /// it back (``init(json:)``) gives a network with the same populations, parameters, learnable
    /// lists, synapses (in the same order, so the same ``Network/weights`` layout), outputs and
    /// settings, and bitwise identical simulations. Consecutive synapses between the same pair of
    /// groups become one block: dense (with a mask or `no_self` where synapses are missing) when
    /// they are in row-major order and fill at least half the block, sparse otherwise.
    ///
    /// Throws for what the format cannot name: a model that is not built in (`populations[k].model`),
    /// a solver tableau that is not a built-in method (`solver.method`), or a negative synaptic or
    /// axonal delay (`delays[s]`, `axonalDelays[n]`; files hold delays ≥ 0).
    public static func generalJSON(_ network: Network) throws -> JSONValue {
        for (field, delays) in [("delays", network.delays), ("axonalDelays", network.axonalDelays)] {
            if let k = delays.firstIndex(where: { $0 < 0 }) {
                throw EventaxError.invalid(field: "\(field)[\(k)]", "is \(formatNumber(delays[k])); files hold delays ≥ 0 (the simulation uses max(0, d): write max(0, d) to keep the forward pass)")
            }
        }
        var root: JSONObject = [
            "format": .string(generalFormatName),
            "version": .number(Double(generalFormatVersion)),
            "inputs": .number(Double(network.inputCount)),
        ]
        var populations: [JSONValue] = []
        for (k, pop) in network.populations.enumerated() {
            populations.append(try populationJSON(network, pop, field: "populations[\(k)]"))
        }
        root["populations"] = .array(populations)
        root["connections"] = .array(connectionsJSON(network))
        root["outputs"] = .array(network.outputs.map { .number(Double($0)) })
        root["tmax"] = .number(network.tmax)
        root["solver"] = try solverJSON(network.solver)
        root["maxEvents"] = .number(Double(network.maxEvents))
        return .object(root)
    }

    /// Writes `network` as a general-format file (see ``generalJSON(_:)``), atomically.
    public static func write(_ network: Network, to path: String) throws {
        try writeAtomically(Data((try generalJSON(network).serialized() + "\n").utf8), to: path)
    }

    static func populationJSON(_ network: Network, _ pop: Population, field: String) throws -> JSONValue {
        let model = pop.spec.model
        guard let described = (model as? any NetworkFileNamedModel)?.networkFileName else {
            throw EventaxError.invalid(field: JSONNode.childPath(field, key: "model"),
                                       "the model \(type(of: model)) has no name in the network file format (known: \(knownModelNames.joined(separator: ", ")), wrapped in \(wrapperNames.joined(separator: " or ")))")
        }
        let (name, wrappers) = described
        let dendrites = ((model as? MultiCompartment) ?? (model as? AMOS<MultiCompartment>)?.inner)?.dendrites
        // Only what the reader accepts.
        _ = try generalModelSpec(name: name, wrappers: wrappers, count: 0, dendrites: dendrites, field: field)
        var o: JSONObject = ["model": .string(name), "count": .number(Double(pop.spec.count))]
        if let dendrites { o["dendrites"] = .number(Double(dendrites)) }
        if !wrappers.isEmpty {
            o["wrap"] = .array(wrappers.map { w -> JSONValue in
                if case .refractory(true) = w { return ["type": "refractory", "block_input": true] }
                if case .amos(true) = w { return ["type": "amos", "freeze": true] }
                return .string(w.name)
            })
        }
        let specs = model.parameters
        var parameters = JSONObject()
        if pop.spec.count > 0 {
            for (k, ps) in specs.enumerated() {
                let values = (0..<pop.spec.count).map { network.parameters[network.parameterOffset[pop.firstNeuron + $0] + k] }
                let uniform = values.allSatisfy { $0.bitPattern == values[0].bitPattern }
                parameters[ps.name] = uniform ? .number(values[0]) : JSONValue(values)
            }
        }
        o["parameters"] = .object(parameters)
        o["learnable"] = .array(pop.learnableIndices.map { .string(specs[$0].name) })
        let axonal = Array(network.axonalDelays[pop.firstNeuron..<pop.firstNeuron + pop.spec.count])
        if axonal.contains(where: { $0 != 0 }) {
            o["axonal_delays"] = axonal.allSatisfy({ $0.bitPattern == axonal[0].bitPattern }) ? .number(axonal[0]) : JSONValue(axonal)
        }
        return .object(o)
    }

    /// The synapses as connection blocks: maximal runs of consecutive synapses with the same
    /// source group (inputs or a population) and target population.
    static func connectionsJSON(_ network: Network) -> [JSONValue] {
        let syn = network.synapses
        func group(_ s: Synapse) -> BlockSource {
            switch s.source {
            case .input: return .input
            case .neuron(let n): return .population(Int(network.populationOf[n]))
            }
        }
        var blocks: [JSONValue] = []
        var s = 0
        while s < syn.count {
            let from = group(syn[s]), to = Int(network.populationOf[syn[s].target])
            var e = s + 1
            while e < syn.count && group(syn[e]) == from && Int(network.populationOf[syn[e].target]) == to { e += 1 }
            blocks.append(blockJSON(network, syn[s..<e], from: from, to: to))
            s = e
        }
        return blocks
    }

    static func blockJSON(_ network: Network, _ run: ArraySlice<Synapse>, from: BlockSource, to: Int) -> JSONValue {
        let rows: Int, firstRow: Int
        switch from {
        case .input: rows = network.inputCount; firstRow = 0
        case .population(let p): rows = network.populations[p].spec.count; firstRow = network.populations[p].firstNeuron
        }
        let cols = network.populations[to].spec.count, firstCol = network.populations[to].firstNeuron
        let wps = network.populations[to].ops.weightsPerSynapse
        let positions = run.map { syn -> Int in
            let i: Int
            switch syn.source {
            case .input(let c): i = c
            case .neuron(let n): i = n - firstRow
            }
            return i * cols + (syn.target - firstCol)
        }
        func weightJSON(_ w: [Double]) -> JSONValue { wps == 1 ? .number(w[0]) : JSONValue(w) }
        let delays = run.map(\.delay)
        let zeroDelays = delays.allSatisfy { $0.bitPattern == Double(0).bitPattern }
        let uniformDelay = delays.allSatisfy { $0.bitPattern == delays[0].bitPattern }

        var o: JSONObject = [
            "from": { if case .population(let p) = from { return .number(Double(p)) } else { return .string("input") } }(),
            "to": .number(Double(to)),
        ]
        let increasing = zip(positions, positions.dropFirst()).allSatisfy { $0 < $1 }
        guard increasing, rows * cols > 0, 2 * positions.count >= rows * cols else {
            o["synapses"] = .array(zip(positions, run).map { pos, syn in
                .array([.number(Double(pos / cols)), .number(Double(pos % cols))] + syn.weight.map { .number($0) })
            })
            if !zeroDelays { o["delays"] = uniformDelay ? .number(delays[0]) : JSONValue(delays) }
            return .object(o)
        }
        var weights = [JSONValue](repeating: .null, count: rows * cols)
        var delayMatrix = [JSONValue](repeating: .null, count: rows * cols)
        var present = [Bool](repeating: false, count: rows * cols)
        for (pos, syn) in zip(positions, run) {
            weights[pos] = weightJSON(syn.weight)
            delayMatrix[pos] = .number(syn.delay)
            present[pos] = true
        }
        func matrix(_ flat: [JSONValue]) -> JSONValue { .array((0..<rows).map { .array(Array(flat[$0 * cols..<($0 + 1) * cols])) }) }
        if positions.count < rows * cols {
            let offDiagonal = from == .population(to) && positions.count == rows * (rows - 1)
                && (0..<rows).allSatisfy { !present[$0 * cols + $0] }
            if offDiagonal {
                o["no_self"] = true
            } else {
                o["mask"] = matrix(present.map { .number($0 ? 1 : 0) })
            }
        }
        o["weights"] = matrix(weights)
        if !zeroDelays { o["delays"] = uniformDelay ? .number(delays[0]) : matrix(delayMatrix) }
        return .object(o)
    }

    static func solverJSON(_ solver: SolverConfig) throws -> JSONValue {
        let t = solver.tableau
        guard let builtIn = ButcherTableau.named(t.name), builtIn.name == t.name, builtIn.a == t.a, builtIn.b == t.b,
              builtIn.bError == t.bError, builtIn.order == t.order, builtIn.embeddedOrder == t.embeddedOrder else {
            throw EventaxError.invalid(field: "solver.method", "the tableau \(JSONValue.string(t.name).summary) is not a built-in method; files name built-in methods only (\(ButcherTableau.builtInNames.joined(separator: ", ")))")
        }
        var o: JSONObject = ["method": .string(t.name), "dt": .number(solver.dt)]
        if let a = solver.adaptive {
            let defaults = AdaptiveConfig(rtol: a.rtol, atol: a.atol)
            o["rtol"] = .number(a.rtol)
            o["atol"] = .number(a.atol)
            if a.pcoeff.bitPattern != defaults.pcoeff.bitPattern { o["pcoeff"] = .number(a.pcoeff) }
            if a.icoeff.bitPattern != defaults.icoeff.bitPattern { o["icoeff"] = .number(a.icoeff) }
            if a.safety.bitPattern != defaults.safety.bitPattern { o["safety"] = .number(a.safety) }
            if a.factorMin.bitPattern != defaults.factorMin.bitPattern { o["factor_min"] = .number(a.factorMin) }
            if a.factorMax.bitPattern != defaults.factorMax.bitPattern { o["factor_max"] = .number(a.factorMax) }
            if a.dtMax.isFinite { o["dt_max"] = .number(a.dtMax) }
        }
        return .object(o)
    }

    // MARK: gradients

    /// General format: the weight gradients shaped like the file's connections, one entry per
    /// block: a dense block gives a `[pre][post]` matrix (entries are numbers, or arrays for models
    /// with several weights per synapse; `null` where no synapse exists), a sparse list one entry
    /// per synapse in the list's order. `gradients` must come from a simulator of this file's network.
    public func connectionGradients(_ gradients: Gradients) throws -> [JSONValue] {
        guard format == .general else {
            throw EventaxError.invalid(field: "format", "connection gradients need a general-format file; this one is layered (use weightGradients)")
        }
        guard gradients.weights.count == network.weights.count else {
            throw EventaxError.invalid(field: "gradients.weights", "has \(gradients.weights.count) values, expected \(network.weights.count)")
        }
        return connectionLayouts.map { layout in
            let entries = (0..<layout.synapseCount).map { k -> JSONValue in
                let o = network.weightIndex(ofSynapse: layout.firstSynapse + k)
                return layout.weightsPerSynapse == 1 ? .number(gradients.weights[o]) : JSONValue(Array(gradients.weights[o..<o + layout.weightsPerSynapse]))
            }
            guard let dense = layout.dense else { return .array(entries) }
            var flat = [JSONValue](repeating: .null, count: dense.rows * dense.cols)
            for (k, pos) in dense.positions.enumerated() { flat[pos] = entries[k] }
            return .array((0..<dense.rows).map { .array(Array(flat[$0 * dense.cols..<($0 + 1) * dense.cols])) })
        }
    }

    /// The gradients of every learnable neuron parameter, one object per population (layer):
    /// `{name: [one per neuron]}`. `gradients` must come from a simulator of this file's network.
    public func parameterGradients(_ gradients: Gradients) throws -> [JSONValue] {
        guard gradients.parameters.count == network.learnableTotal else {
            throw EventaxError.invalid(field: "gradients.parameters", "has \(gradients.parameters.count) values, expected \(network.learnableTotal)")
        }
        return network.populations.map { pop in
            var o = JSONObject()
            for (l, k) in pop.learnableIndices.enumerated() {
                let values = (0..<pop.spec.count).map { gradients.parameters[network.learnableOffset[pop.firstNeuron + $0] + l] }
                o[pop.spec.model.parameters[k].name] = JSONValue(values)
            }
            return .object(o)
        }
    }
}
