import ArgumentParser
import Eventax

@main
struct EventaxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "eventax", abstract: "Event-based neural networks with exact gradients.")
}
