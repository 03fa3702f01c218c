import ArgumentParser
import Eventax

/// `eventax run NETWORK.json INPUT.json [--observe t1,t2,…] [--cotangent COT.json]`: simulates the
/// network on one input and prints one JSON object on stdout.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate a network on one input and print its readouts as one JSON object.",
        discussion: """
        Prints {"ttfs": [t or null per output neuron], "spikes": [[t, …] per neuron, all layers in \
        order], "states": [output][time][channel] (with --observe), "gradients": {"weights": \
        [layer][pre][post], "bias": [layer][neuron], "inputs": [channel][spike]} (with --cotangent)}.
        NETWORK.json is a layered file, a general-format file ("format": "general": populations, \
        dense, masked or sparse connections, delays; see docs/network-format.md) or a training \
        checkpoint. For a general file, gradients.weights has one entry per connection, shaped like \
        its weights or synapses, and gradients.parameters one {name: [neuron]} object per population.
        A cotangent file holds {"ttfs": [per output], "states": [output][time][channel], \
        "spikes": [neuron][spike]}; every part is optional.
        Input spikes after the network's tmax have no effect; a note on stderr counts them. Neurons \
        that start above their spike threshold are named in a note on stderr too.
        On an error, prints "error: <message>" on stderr and exits with status 1.
        """
    )

    @Argument(help: ArgumentHelp("The network file (JSON, layered or general format).", valueName: "NETWORK.json"))
    var network: String

    @Argument(help: ArgumentHelp("The input file: {\"spikes\": [[t, …] per input channel]}.", valueName: "INPUT.json"))
    var input: String

    @Option(parsing: .unconditionalSingleValue, help: ArgumentHelp("Times at which to record the output neurons' states, comma-separated (may be repeated).",
                                                                       valueName: "t1,t2,…"))
    var observe: [String] = []

    @Option(help: ArgumentHelp("A cotangent file; adds the gradients of <cotangent · readouts> to the output.", valueName: "COT.json"))
    var cotangent: String?

    func run() throws {
        try reportingErrors {
            let file = try withFileContext(network) { try NetworkFile(contentsOf: network) }
            let spikes = try withFileContext(input) { try InputFile(contentsOf: input, channels: file.inputCount).spikes }
            let late = spikes.reduce(0) { $0 + $1.filter { $0 > file.network.tmax }.count }
            if late > 0 {
                writeStandardError("note: \(input): \(late) input spike\(late == 1 ? "" : "s") after tmax = \(file.network.tmax) \(late == 1 ? "has" : "have") no effect (zero gradient)\n")
            }
            let above = file.network.neuronsStartingAboveThreshold
            if !above.isEmpty {
                let listed = above.prefix(5).map(String.init).joined(separator: ", ") + (above.count > 5 ? ", …" : "")
                writeStandardError("note: \(network): \(above.count) of \(file.network.neuronCount) neurons (\(listed)) start above their spike threshold "
                    + "(for LIF: thresh below the initial v); a spike is an upward crossing, so they fire only after falling below it\n")
            }
            let times = try parseTimes(observe, option: "--observe")
            var cot: Cotangent?
            if let cotangent {
                cot = try withFileContext(cotangent) { try CotangentFile(contentsOf: cotangent).cotangent }
                if cot?.states != nil && times.isEmpty {
                    throw CLIError(description: "\(cotangent): cotangent.states: needs observation times; pass them with --observe")
                }
            }

            let simulator = Simulator(network: file.network)
            let readout = ReadoutRequest(stopAfterFirstOutputSpikes: false, observationTimes: times)
            let result = try simulator.run(spikes, readout: readout)
            var gradients: Gradients?
            if let cot, let cotangent {
                gradients = try withFileContext(cotangent) { try simulator.gradient(cot) }
            }
            let json = try file.resultJSON(result, includeStates: !times.isEmpty, gradients: gradients)
            writeStandardOutput(json.serialized() + "\n")
        }
    }
}
