import ArgumentParser
import Eventax
import Foundation

/// `eventax table`: the paper's Table IV from training runs.
struct Table: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Collect (and optionally train) the Yin-Yang runs of the paper's Table IV into a markdown table.",
        discussion: """
        For every model (lif, qif, eif, izhikevich, multicompartment with 7 dendrites) and loss (ttfs, max, integral, exp-integral) and \
        seeds 0..<N it reads RUNS/yinyang-MODEL-LOSS-seedS/summary.json — the default output folders \
        of `eventax train yinyang` — and, with --train, first trains the missing runs with the \
        paper's defaults and the solver of our Table IV runs, `--solver tsit5 --rtol 1e-06` (not \
        the Yin-Yang default since 2026-12-06; --train-options may set another). Each cell is \
        mean ± std (median) over the seeds found; the table, the commands and the summed wall time go to OUT (atomically). A variant of the defaults gets a \
        tag: `--tag lr0.01 --train-options="--lr 0.01"` uses RUNS/yinyang-MODEL-LOSS-lr0.01-seedS \
        and trains the missing ones with those options added. A cell with no run found keeps its \
        row from the existing OUT when that row was made with the same training command, marked † \
        (runs are not kept across machines; `--fresh` drops such rows).
        """)

    @Option(help: "Folder holding the runs.") var runs = "runs"
    @Option(parsing: .unconditional, help: "Seeds per cell.") var seeds = 5
    @Option(parsing: .unconditional, help: "Epochs for runs trained with --train.") var epochs = 100
    @Option(help: "Models (comma-separated).") var models = "lif,qif,eif,izhikevich,multicompartment"
    @Option(help: "Losses (comma-separated).") var losses = "ttfs,max,integral,exp-integral"
    @Option(help: "Markdown output.") var out = "docs/results/yinyang-table-iv.md"
    @Flag(help: "Train the runs whose summary.json is missing (can take hours).") var train = false
    @Option(parsing: .unconditional, help: "Worker threads for --train.") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Name of a variant of the defaults: its runs are RUNS/yinyang-MODEL-LOSS-TAG-seedS.") var tag: String?
    @Option(name: .customLong("train-options"), help: "Options of `eventax train yinyang` that the variant's runs were (or are, with --train) trained with, written with = (`--train-options=\"--lr 0.01\"`).")
    var trainOptions = ""
    @Flag(help: "Do not carry over rows of cells without runs from the existing OUT.") var fresh = false

    /// The paper's median test accuracies (Table IV), for the comparison column.
    static let paper: [String: [String: Double]] = [
        "lif": ["ttfs": 90.90, "max": 95.20, "integral": 96.70, "exp-integral": 97.10],
        "qif": ["ttfs": 98.70, "max": 98.60, "integral": 99.30, "exp-integral": 99.10],
        "eif": ["ttfs": 97.20, "max": 98.10, "integral": 97.80, "exp-integral": 97.70],
        "izhikevich": ["ttfs": 97.10, "max": 97.70, "integral": 98.10, "exp-integral": 98.10],
        "multicompartment": ["ttfs": 96.85, "max": 93.95, "integral": 96.45, "exp-integral": 96.65],
    ]

    /// The rows of an earlier table at `path` that hold at least one seed, keyed "model loss",
    /// with their seed count marked †; empty when the file is absent or was made with another
    /// training command.
    static func previousRows(in path: String, trainedWith: String) -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), text.contains(trainedWith) else { return [:] }
        var rows: [String: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("| ") {
            var cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 11, let seeds = Int(cells[3].replacingOccurrences(of: " †", with: "")), seeds > 0 else { continue }
            if !cells[3].hasSuffix("†") { cells[3] += " †" }
            rows["\(cells[1]) \(cells[2])"] = "|" + cells[1...9].map { " \($0) " }.joined(separator: "|") + "|"
        }
        return rows
    }

    func run() throws {
        try reportingErrors {
            guard seeds >= 1 else { throw CLIError(description: "--seeds: must be ≥ 1, got \(seeds)") }
            guard epochs >= 1 else { throw CLIError(description: "--epochs: must be ≥ 1, got \(epochs)") }
            guard threads >= 1 else { throw CLIError(description: "--threads: must be ≥ 1, got \(threads)") }
            if let tag, tag.isEmpty || tag.contains("/") || tag.contains(where: \.isWhitespace) {
                throw CLIError(description: "--tag: must be a non-empty name without \"/\" or spaces, got \"\(tag)\"")
            }
            let extra = trainOptions.split(whereSeparator: \.isWhitespace).map(String.init)
            for reserved in ["--neuron", "--loss", "--seed", "--epochs", "--out", "--threads"] where extra.contains(where: { $0 == reserved || $0.hasPrefix(reserved + "=") }) {
                throw CLIError(description: "--train-options: \(reserved) is set by the table itself, got \"\(trainOptions)\"")
            }
            // Our Table IV runs used Tsit5 at rtol 1e-6, the default until 2026-12-06: the table keeps
            // that solver (named in its training command) unless the variant's options set it.
            let pinned = [("--solver", TrainingConfig.documentedRunsSolver.solver), ("--rtol", "\(TrainingConfig.documentedRunsSolver.rtol)")]
            let solverArguments = pinned.filter { option in !extra.contains { $0 == option.0 || $0.hasPrefix(option.0 + "=") } }.flatMap { [$0.0, $0.1] }
            let trainingArguments = solverArguments + extra
            let variant = tag.map { "-\($0)" } ?? ""
            let modelList = models.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            for model in modelList where !TrainingConfig.neuronModels.contains(model) {
                throw CLIError(description: "--models: unknown model \"\(model)\" (known: \(TrainingConfig.neuronModels.joined(separator: ", ")))")
            }
            let lossList = try losses.split(separator: ",").map { name -> LossKind in
                guard let l = LossKind(rawValue: name.trimmingCharacters(in: .whitespaces).lowercased()) else {
                    throw CLIError(description: "--losses: unknown loss \"\(name)\" (known: ttfs, max, integral, exp-integral)")
                }
                return l
            }
            func stats(_ xs: [Double]) -> String {
                guard !xs.isEmpty else { return "—" }
                let mean = xs.reduce(0, +) / Double(xs.count)
                let std = (xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count)).squareRoot()
                let s = xs.sorted(), m = s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
                return String(format: "%.2f ± %.2f (%.2f)", mean, std, m)
            }
            let trainedWith = "(each trained with `eventax train yinyang --neuron MODEL --loss LOSS --seed S --epochs \(epochs) \(trainingArguments.joined(separator: " "))`"
            let previous = fresh ? [:] : Self.previousRows(in: out, trainedWith: trainedWith)
            var rows: [String] = [], carried: [String] = []
            var wall = 0.0, missing: [String] = []
            for model in modelList {
                for loss in lossList {
                    var acc: [Double] = [], maxF: [Double] = [], dead: [Double] = [], fire: [Double] = [], ttfs: [Double] = []
                    var cellMissing: [String] = []
                    for seed in 0..<seeds {
                        let dir = "\(runs)/yinyang-\(model)-\(loss.rawValue)\(variant)-seed\(seed)"
                        let path = dir + "/summary.json"
                        let options: CommonTrainOptions
                        do {
                            options = try CommonTrainOptions.parse(trainingArguments + ["--neuron", model, "--loss", loss.rawValue, "--seed", "\(seed)",
                                                                           "--epochs", "\(epochs)", "--out", dir, "--threads", "\(threads)"])
                        } catch {
                            throw CLIError(description: "--train-options: \(CommonTrainOptions.message(for: error))")
                        }
                        let expected = try options.apply(to: TrainingConfig())
                        if !FileManager.default.fileExists(atPath: path) && train {
                            print("training \(dir)")
                            try runTraining(options: options) { _ in TrainingConfig() }
                        }
                        guard let data = FileManager.default.contents(atPath: path) else { cellMissing.append(dir); continue }
                        let s: TrainingSummary
                        do { s = try JSONDecoder().decode(TrainingSummary.self, from: data) } catch {
                            throw CLIError(description: "\(path): not a valid run summary: \(describeDecodingError(error))")
                        }
                        guard s.config == expected else {
                            throw CLIError(description: "\(path): the run was trained with other options than this table's (\(epochs) epochs, \(trainingArguments.joined(separator: " "))): \(expected.differences(from: s.config).map { "\($0.field) \($0.other) (table: \($0.this))" }.joined(separator: ", "))")
                        }
                        acc.append(100 * s.test_accuracy); maxF.append(s.test.maxFiring); dead.append(Double(s.test.deadNeurons))
                        fire.append(s.test.fireCount); if let t = s.test.meanTTFS { ttfs.append(t) }
                        wall += s.wall_seconds
                    }
                    if acc.isEmpty, let old = previous["\(model) \(loss.rawValue)"] {
                        rows.append(old); carried.append("\(model) \(loss.rawValue)")
                        continue
                    }
                    missing += cellMissing
                    let paper = Self.paper[model]?[loss.rawValue].map { String(format: "%.2f", $0) } ?? "—"
                    rows.append("| \(model) | \(loss.rawValue) | \(acc.count) | \(stats(acc)) | \(paper) | \(stats(maxF)) | \(stats(dead)) | \(stats(fire)) | \(stats(ttfs)) |")
                }
            }
            var md = "# Yin-Yang: Table IV of the Eventax paper, reproduced" + (tag.map { " (variant \($0))" } ?? "") + "\n\n"
            let variantArguments = (tag.map { " --tag \($0)" } ?? "") + (extra.isEmpty ? "" : " --train-options=\"\(extra.joined(separator: " "))\"")
            md += "Generated by `eventax table --runs \(runs) --seeds \(seeds) --models \(modelList.joined(separator: ",")) --losses \(lossList.map(\.rawValue).joined(separator: ","))\(variantArguments)` from the runs' `summary.json` files "
            md += trainedWith + ", the paper's defaults otherwise). "
            md += "Cells: mean ± std (median) over the seeds found; test metrics at the best-validation epoch. "
            md += String(format: "Summed training wall time of the runs found: %.0f s.\n\n", wall)
            md += "| model | loss | seeds | test accuracy (%) | paper median | max firing | dead neurons | fire count | mean TTFS (ms) |\n"
            md += "|---|---|---|---|---|---|---|---|---|\n"
            md += rows.joined(separator: "\n") + "\n"
            if !carried.isEmpty {
                md += "\n† Carried over from the previous version of this file (same training command); the runs behind it are not in `\(runs)`, "
                md += "so it is not recomputed and its wall time is not in the sum: " + carried.joined(separator: ", ") + ".\n"
            }
            if !missing.isEmpty { md += "\nMissing runs (\(missing.count)): " + missing.map { "`\($0)`" }.joined(separator: ", ") + "\n" }
            if modelList.contains("multicompartment") { md += "\nMulti-compartment runs use 7 dendrites (the `--dendrites` default).\n" }
            let url = URL(fileURLWithPath: out)
            try createOutputFolder(url.deletingLastPathComponent().path, option: "--out")  // (the runs it trained are already saved)
            try writeAtomically(Data(md.utf8), to: out)
            print(md)
        }
    }
}
