import ArgumentParser
import Eventax
import Foundation

/// `eventax bench`: throughput and accuracy of the Yin-Yang 5-50-3 QIF workload.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure forward and forward+backward samples/s of the Yin-Yang 5-50-3 QIF network (use a release build).")

    @Flag(name: .long, help: "Print an array of JSON records instead of a table.")
    var json = false

    @Option(name: .long, parsing: .unconditional, help: "Worker threads (default: all cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .long, parsing: .unconditional, help: "Samples per batch.")
    var batch: Int = 256

    @Option(name: .long, help: "Measure only the configurations whose name contains this text; \"mnist\" measures the MNIST-scale workload, \"multicompartment\" the dual against the recorded reverse pass of wide neurons.")
    var only: String?

    @Flag(name: .long, help: "Skip the tight-tolerance reference run (no spike-time error; for profiling).")
    var noReference = false

    @Option(name: .long, parsing: .unconditional, help: "Minimum seconds per measurement.")
    var seconds: Double = 3

    @Option(name: .long, help: "Measure this solver (\(ButcherTableau.builtInNames.joined(separator: ", "))) on the Yin-Yang and MNIST-scale workloads instead of their built-in configurations, with --rtol and --dt as in `eventax train`.")
    var solver: String?

    @Option(name: .long, parsing: .unconditional, help: "With --solver: relative tolerance of adaptive steps (absolute tolerance rtol/100, as in training); 0 means constant steps of --dt.")
    var rtol: Double?

    @Option(name: .long, parsing: .unconditional, help: "With --solver: step size (first step when adaptive; default 0.05).")
    var dt: Double?

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads: must be ≥ 1, got \(threads)") }
        guard batch >= 1 && batch <= 5000 else { throw ValidationError("--batch: must be in 1...5000, got \(batch)") }
        guard seconds > 0 && seconds.isFinite else { throw ValidationError("--seconds: must be > 0, got \(seconds)") }
    }

    /// The configuration named by `--solver`, `--rtol` and `--dt` (validated as `eventax train`
    /// validates them), or nil for the built-in configurations.
    func customSolver() throws -> (name: String, config: SolverConfig)? {
        guard let solver else {
            if rtol != nil || dt != nil { throw CLIError(description: "--\(rtol != nil ? "rtol" : "dt"): applies with --solver only") }
            return nil
        }
        if let only, only.hasPrefix("multicompartment") {
            throw CLIError(description: "--solver: applies to the Yin-Yang and MNIST-scale workloads, not to --only \(only)")
        }
        let dt = dt ?? 0.05, rtol = rtol == 0 ? nil : (rtol ?? 1e-6), name = solver.lowercased()
        let config = try SolverConfig.fromOptions(solver: name, dt: dt, rtol: rtol)
        return ("\(name)-" + (rtol.map { "rtol\($0)" } ?? "dt\(dt)"), config)
    }

    func run() throws {
        try reportingErrors(measure)
    }

    /// One MNIST-scale or multi-compartment measurement, as `--json` prints it.
    struct ScaleRecord: Encodable {
        var name: String
        var fwd_samples_per_s: Double
        var fwdbwd_samples_per_s: Double
        /// MNIST-scale workload only.
        var hidden_spikes_per_sample: Double?
        /// MNIST-scale workload only.
        var steps_per_sample: Double?
        /// Multi-compartment workload only: dual-number lanes the reverse pass needs.
        var derivative_lanes: Int?
        var threads: Int
        var batch: Int
    }

    /// A record of any workload, encoded as the record itself.
    enum Record: Encodable {
        case yinYang(BenchRecord)
        case scale(ScaleRecord)

        func encode(to encoder: Encoder) throws {
            switch self {
            case .yinYang(let r): try r.encode(to: encoder)
            case .scale(let r): try r.encode(to: encoder)
            }
        }
    }

    /// Measures the selected configurations and prints them (as a table, or with `--json` as one
    /// array of records after all measurements).
    func measure() throws {
        var records: [Record] = []
        let custom = try customSolver()
        let configurations = custom.map { [("qif-5-50-3-" + $0.name, $0.config, false)] } ?? YinYangBenchmark.configurations
        if let only, !only.hasPrefix("mnist"), !only.hasPrefix("multicompartment"), !configurations.contains(where: { $0.0.contains(only) }) {
            throw CLIError(description: "--only: no workload's name contains \"\(only)\" (workloads: \(configurations.map(\.0).joined(separator: ", ")), mnist, multicompartment)")
        }
        for (name, solver, recording) in configurations where only.map({ name.contains($0) }) ?? true {
            let r = try YinYangBenchmark.measure(name: name, solver: solver, batch: batch, threads: threads, minSeconds: seconds,
                                                 reference: !noReference, recording: recording)
            records.append(.yinYang(r))
            if !json {
                let accuracy = r.spike_mismatch_fraction.map { mismatch in
                    "spike-time error " + (r.spike_time_error.map { String(format: "%.2e", $0) } ?? "n/a") + String(format: " (mismatch %.3f)", mismatch)
                } ?? "no reference run"
                print(String(format: "%-28@ fwd %9.0f samples/s   fwd+bwd %9.0f samples/s   events/sample %5.1f   steps/sample %7.0f   ",
                             r.name as NSString, r.fwd_samples_per_s, r.fwdbwd_samples_per_s, r.events_per_sample, r.steps_per_sample) + accuracy)
            }
        }
        if let only, only.hasPrefix("mnist") {
            let builtIn = [("mnist-lif-euler-0.05", SolverConfig(tableau: .euler, dt: 0.05)),
                           ("mnist-lif-tsit5-adaptive", SolverConfig(tableau: .tsit5, dt: 0.05, adaptive: AdaptiveConfig(rtol: 1e-6, atol: 1e-8))),
                           ("mnist-lif-bosh3-adaptive", TrainingConfig.mnist(data: nil).solverConfig)]
            for (name, solver) in custom.map({ [("mnist-lif-" + $0.name, $0.config)] }) ?? builtIn {
                let m = try MNISTScaleBenchmark.measure(solver: solver, batch: batch, threads: threads, minSeconds: seconds)
                records.append(.scale(ScaleRecord(name: name, fwd_samples_per_s: m.fwd, fwdbwd_samples_per_s: m.fwdbwd,
                                                  hidden_spikes_per_sample: m.hiddenSpikes, steps_per_sample: m.steps, threads: threads, batch: batch)))
                if !json {
                    print(String(format: "%-28@ fwd %7.1f samples/s   fwd+bwd %7.1f samples/s   hidden spikes/sample %.1f   steps/sample %.0f",
                                 name as NSString, m.fwd, m.fwdbwd, m.hiddenSpikes, m.steps))
                }
            }
        }
        if let only, only.hasPrefix("multicompartment") {
            for (dendrites, recording) in [(1, false), (1, true), (2, false), (2, true), (4, false), (4, true), (7, false), (7, true), (14, true)] {
                let m = try MultiCompartmentBenchmark.measure(dendrites: dendrites, recording: recording, batch: batch, threads: threads, minSeconds: seconds)
                let name = "multicompartment-\(dendrites)-\(recording ? "recorded" : "dual")"
                records.append(.scale(ScaleRecord(name: name, fwd_samples_per_s: m.fwd, fwdbwd_samples_per_s: m.fwdbwd,
                                                  derivative_lanes: m.lanes, threads: threads, batch: batch)))
                if !json {
                    print(String(format: "%-28@ fwd %7.1f samples/s   fwd+bwd %7.1f samples/s   (%d derivative lanes)",
                                 name as NSString, m.fwd, m.fwdbwd, m.lanes))
                }
            }
        }
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try enc.encode(records), as: UTF8.self))
        }
    }
}
