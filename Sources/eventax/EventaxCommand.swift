import ArgumentParser
import Eventax

/// The `eventax` command. Each task is a subcommand; add new ones to `subcommands`.
@main
struct EventaxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eventax",
        abstract: "Event-based neural networks with exact gradients.",
        subcommands: [Run.self, Train.self, Evaluate.self, Plot.self, DataCommand.self, Bench.self, Table.self]
    )
}
