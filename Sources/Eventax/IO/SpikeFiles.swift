/// An input file: `{"spikes": [[t, …] per input channel]}`. Each channel's times must be ≥ 0 and
/// sorted; errors name `spikes[c][k]`. Unknown keys are rejected.
public struct InputFile: Sendable {
    /// Spike times per input channel.
    public var spikes: [[Double]]

    /// The keys allowed in an input file.
    public static let keys = ["spikes"]

    /// Spike times to be written to a file.
    public init(spikes: [[Double]]) { self.spikes = spikes }

    /// Parses an input file's JSON value for a network with `channels` inputs.
    public init(json: JSONValue, channels: Int) throws {
        let root = JSONNode(json)
        _ = try root.object()
        try root.rejectUnknownKeys(allowed: InputFile.keys)
        let spikes = try root.required("spikes").numberMatrix()
        try Simulator.validate(input: spikes, channels: channels)
        self.spikes = spikes
    }

    /// Parses input JSON text; malformed text throws `EventaxError.invalid(field: source, "malformed JSON: …")`.
    public init(parsing text: String, channels: Int, source: String = "input") throws {
        try self.init(json: JSONValue.parse(text, source: source), channels: channels)
    }

    /// Reads and parses an input file.
    public init(contentsOf path: String, channels: Int) throws {
        try self.init(json: JSONValue.read(contentsOf: path), channels: channels)
    }

    /// The file's JSON value, `{"spikes": …}`.
    public var json: JSONValue { ["spikes": JSONValue(spikes)] }
}

/// A cotangent file: `{"ttfs": [per output neuron], "states": [output][time][channel],
/// "spikes": [neuron][spike]}`; every part is optional (missing parts are zero). Unknown keys are
/// rejected; errors name `cotangent.<key>[…]`, as the engine does when it checks the shapes
/// against a run in ``Simulator/gradient(_:)``.
public struct CotangentFile: Sendable {
    /// The cotangent.
    public var cotangent: Cotangent

    /// The keys allowed in a cotangent file.
    public static let keys = ["ttfs", "states", "spikes"]

    /// Parses a cotangent file's JSON value.
    public init(json: JSONValue) throws {
        let root = JSONNode(json, path: "cotangent")
        _ = try root.object()
        try root.rejectUnknownKeys(allowed: CotangentFile.keys)
        cotangent = Cotangent(ttfs: try root.optional("ttfs")?.numbers(),
                              states: try root.optional("states")?.numberTensor(),
                              spikes: try root.optional("spikes")?.numberMatrix())
    }

    /// Parses cotangent JSON text; malformed text throws `EventaxError.invalid(field: source, "malformed JSON: …")`.
    public init(parsing text: String, source: String = "cotangent") throws {
        try self.init(json: JSONValue.parse(text, source: source))
    }

    /// Reads and parses a cotangent file.
    public init(contentsOf path: String) throws {
        try self.init(json: JSONValue.read(contentsOf: path))
    }
}
