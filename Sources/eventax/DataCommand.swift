import ArgumentParser
import Eventax
import Foundation

/// `eventax data`: the built-in data sets.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "data", abstract: "Print a built-in data set.", subcommands: [YinYangData.self])
}

/// `eventax data yinyang --split train|validation|test`: the official split as CSV.
struct YinYangData: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "yinyang",
        abstract: "Print a Yin-Yang split (bit-exact with the official generator) as CSV x,y,1-x,1-y,label.")

    @Option(help: "train, validation or test.") var split = "train"

    func run() throws {
        try reportingErrors {
            let s: YinYangSplit = try parseChoice(split, option: "--split", noun: "split")
            var out = "x,y,1-x,1-y,label\n"
            for p in YinYang.generate(s) {
                out += "\(p.x),\(p.y),\(1 - p.x),\(1 - p.y),\(p.label)\n"
            }
            writeStandardOutput(out)
        }
    }
}

/// `eventax evaluate DIR/checkpoint.json`: test metrics of a checkpoint's best-validation model.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Report the test metrics of a training checkpoint's best-validation model as JSON.")

    @Argument(help: ArgumentHelp("A checkpoint written by `eventax train` (DIR/checkpoint.json).", valueName: "CHECKPOINT"))
    var checkpoint: String

    @Option(parsing: .unconditional, help: "Worker threads (default: all cores).") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "MNIST checkpoints: the directory with the four IDX files, if not the one the run was trained with.") var data: String?

    func run() throws {
        try reportingErrors {
            let state = try loadCheckpoint(checkpoint, data: data)
            guard threads >= 1 else { throw CLIError(description: "--threads: must be ≥ 1, got \(threads)") }
            let (trainer, _) = try withFileContext(checkpoint) { try state.bestNetwork(threads: threads) }
            let summary = try trainer.summary(state)
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            writeStandardOutput(String(decoding: try enc.encode(summary), as: UTF8.self) + "\n")
        }
    }
}
