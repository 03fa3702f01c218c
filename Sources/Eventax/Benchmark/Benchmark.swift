import Foundation

/// Samples per second of `body` (one batch of `batch` samples), repeated until `minSeconds` have passed.
func samplesPerSecond(batch: Int, minSeconds: Double, _ body: () throws -> Void) rethrows -> Double {
    var reps = 0
    let start = Date()
    repeat { try body(); reps += 1 } while Date().timeIntervalSince(start) < minSeconds
    return Double(reps * batch) / Date().timeIntervalSince(start)
}

/// One benchmark measurement (`eventax bench --json` prints an array of these).
public struct BenchRecord: Codable, Sendable {
    /// Configuration name, e.g. `qif-5-50-3-euler-0.05`.
    public var name: String
    /// Forward simulations per second (batch over all threads).
    public var fwd_samples_per_s: Double
    /// Forward + reverse passes (with the TTFS cross-entropy cotangent) per second.
    public var fwdbwd_samples_per_s: Double
    /// Input and neuron spikes processed per sample (Eventax's "events").
    public var events_per_sample: Double
    /// Deliveries (spike arrivals at targets) per sample.
    public var deliveries_per_sample: Double
    /// Solver steps per sample, including discarded speculative steps.
    public var steps_per_sample: Double
    /// Mean |t − t_ref| of the output first-spike times against an adaptive Dopri5 run at rtol =
    /// atol = 1e-12; nil (absent from the JSON) without the reference run or when no output
    /// neuron spiked in both.
    public var spike_time_error: Double?
    /// Fraction of output neurons that spike in one run but not in the reference; nil without
    /// the reference run.
    public var spike_mismatch_fraction: Double?
    /// Threads used.
    public var threads: Int
    /// Samples per batch.
    public var batch: Int
}

/// The Yin-Yang-shaped 5-50-3 QIF benchmark of the Eventax paper: tmem 20, tsyn 5, weights
/// uniform in [0, 40], bias uniform in [−0.5, 0.5], inputs (x, y, 1−x, 1−y, 0)·30 ms, tmax 30,
/// TTFS readout with the cross-entropy cotangent.
public enum YinYangBenchmark {
    /// The encoded inputs and labels of the first `count` training samples.
    public static func data(count: Int) -> (inputs: [[[Double]]], labels: [Int]) {
        let samples = YinYang.generate(.train).prefix(count)
        let inputs = samples.map { s in [s.x, s.y, 1 - s.x, 1 - s.y, 0].map { [$0 * 30] } }
        return (inputs, samples.map(\.label))
    }

    /// The benchmark network with the given solver, initialized from `seed`.
    public static func network(solver: SolverConfig, seed: UInt32 = 1234, recording: Bool = false) throws -> Network {
        var rng = MersenneTwister(seed: seed)
        func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * rng.nextDouble() }
        let w0 = (0..<5).map { _ in (0..<50).map { _ in uniform(0, 40) } }
        let w1 = (0..<50).map { _ in (0..<3).map { _ in uniform(0, 40) } }
        let b0 = (0..<50).map { _ in uniform(-0.5, 0.5) }, b1 = (0..<3).map { _ in uniform(-0.5, 0.5) }
        func pop(_ n: Int, _ ic: [Double]) -> PopulationSpec { PopulationSpec(QIF(), count: n, parameters: ["ic": ic], recording: recording) }
        return try Network.layered(inputCount: 5,
                                   layers: [pop(50, b0), pop(3, b1)],
                                   weights: [w0, w1], tmax: 30, solver: solver)
    }

    /// Measures one solver configuration; each mode repeats the batch until `minSeconds` have passed.
    public static func measure(name: String, solver: SolverConfig, batch: Int = 256, threads: Int, minSeconds: Double = 2,
                               reference: Bool = true, recording: Bool = false) throws -> BenchRecord {
        let net = try network(solver: solver, recording: recording)
        let (inputs, labels) = data(count: batch)
        let eval = BatchEvaluator(network: net, threads: threads)
        let loss = TTFSCrossEntropy()

        func timed(_ body: () throws -> Void) rethrows -> Double { try samplesPerSecond(batch: batch, minSeconds: minSeconds, body) }
        var results: [SimulationResult] = []
        let fwd = try timed { results = try eval.forward(inputs, readout: .ttfs) }
        let fwdbwd = try timed {
            _ = try eval.lossAndGradient(inputs, readout: .ttfs) { i, r in
                let (l, ct) = loss.lossAndCotangent(ttfs: r.ttfs, label: labels[i], tmax: 30)
                return (l, Cotangent(ttfs: ct))
            }
        }
        let refNet = try net.withSolver(SolverConfig(tableau: .dopri5, dt: 0.01, adaptive: AdaptiveConfig(rtol: 1e-12, atol: 1e-12)))
        let ref = reference ? try BatchEvaluator(network: refNet, threads: threads).forward(inputs, readout: .ttfs) : []
        var err = 0.0, both = 0, mismatch = 0
        for (a, b) in zip(results, ref) {
            for (x, y) in zip(a.ttfs, b.ttfs) {
                switch (x, y) {
                case let (x?, y?): err += abs(x - y); both += 1
                case (nil, nil): break
                default: mismatch += 1
                }
            }
        }
        let n = Double(batch)
        var spikeEvents = 0, deliveries = 0, steps = 0
        for r in results {
            spikeEvents += r.spikeEventCount
            steps += r.stepCount
            deliveries += r.deliveryCount
        }
        return BenchRecord(name: name, fwd_samples_per_s: fwd, fwdbwd_samples_per_s: fwdbwd,
                           events_per_sample: Double(spikeEvents) / n, deliveries_per_sample: Double(deliveries) / n,
                           steps_per_sample: Double(steps) / n,
                           spike_time_error: both > 0 ? err / Double(both) : nil,
                           spike_mismatch_fraction: reference ? Double(mismatch) / Double(batch * 3) : nil, threads: threads, batch: batch)
    }

    /// The two configurations, Euler with dt 0.05 and adaptive Tsit5 at rtol 1e-6, the
    /// latter also with the recorded reverse pass (dual numbers otherwise), and the Yin-Yang
    /// training default, adaptive Bosh3 at rtol 1e-3.
    public static let configurations: [(name: String, solver: SolverConfig, recording: Bool)] = [
        ("qif-5-50-3-euler-0.05", SolverConfig(tableau: .euler, dt: 0.05), false),
        ("qif-5-50-3-tsit5-adaptive", SolverConfig(tableau: .tsit5, dt: 0.05, adaptive: AdaptiveConfig(rtol: 1e-6, atol: 1e-6)), false),
        ("qif-5-50-3-tsit5-adaptive-recorded", SolverConfig(tableau: .tsit5, dt: 0.05, adaptive: AdaptiveConfig(rtol: 1e-6, atol: 1e-6)), true),
        ("qif-5-50-3-bosh3-adaptive", SolverConfig(tableau: .bosh3, dt: 0.05, adaptive: AdaptiveConfig(rtol: 1e-3, atol: 1e-5)), false),
    ]
}

/// A synthetic workload of the MNIST scale (784-200-10, LIF hidden layer, integrating LI readout,
/// exp-integral cotangent): each sample has `activeInputs` random channels spiking once in [0, 20] ms.
/// It needs no data files, so it measures the engine alone.
public enum MNISTScaleBenchmark {
    /// Synthetic inputs: 784 channels, `active` of them with one spike.
    public static func inputs(count: Int, active: Int = 150, seed: UInt64 = 7) -> [[[Double]]] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            var x = [[Double]](repeating: [], count: 784)
            for c in rng.permutation(784).prefix(active) { x[c] = [rng.uniform(0...20)] }
            return x
        }
    }

    /// The 784-200-10 network with the given solver.
    public static func network(solver: SolverConfig, hidden: Int = 200, seed: UInt64 = 3) throws -> Network {
        var rng = SplitMix64(seed: seed)
        let w0 = (0..<784).map { _ in (0..<hidden).map { _ in rng.uniform(-0.05...0.15) } }
        let w1 = (0..<hidden).map { _ in (0..<10).map { _ in rng.uniform(-1...1) } }
        return try Network.layered(inputCount: 784,
                                   layers: [PopulationSpec(LIF(), count: hidden), PopulationSpec(IntegratingLI(), count: 10, parameters: ["horizon": [30]])],
                                   weights: [w0, w1], tmax: 30, solver: solver, maxEvents: 10_000_000)
    }

    /// Forward and forward+backward samples/s, spikes and steps per sample.
    public static func measure(solver: SolverConfig, batch: Int, threads: Int, minSeconds: Double) throws -> (fwd: Double, fwdbwd: Double, hiddenSpikes: Double, steps: Double) {
        let net = try network(solver: solver)
        let x = inputs(count: batch)
        let eval = BatchEvaluator(network: net, threads: threads)
        let readout = ReadoutRequest(observationTimes: [30])
        func timed(_ body: () throws -> Void) rethrows -> Double { try samplesPerSecond(batch: batch, minSeconds: minSeconds, body) }
        var results: [SimulationResult] = []
        let fwd = try timed { results = try eval.forward(x, readout: readout) }
        let fwdbwd = try timed {
            _ = try eval.lossAndGradient(x, readout: readout) { i, r in
                let logits = r.states.map { $0[0][2] }
                let (l, g) = softmaxCrossEntropy(logits: logits, label: i % 10)
                return (l, Cotangent(states: g.map { [[0, 0, $0]] }))
            }
        }
        let spikes = results.reduce(0) { $0 + $1.spikes.reduce(0) { $0 + $1.count } }
        let steps = results.reduce(0) { $0 + $1.stepCount }
        return (fwd, fwdbwd, Double(spikes) / Double(batch), Double(steps) / Double(batch))
    }
}

/// The multi-compartment Yin-Yang setup of Table IV (5 inputs, 3 neurons of N dendrites, every
/// time constant learnable, TTFS cross-entropy cotangent, adaptive Tsit5), to compare the dual
/// and the recorded reverse pass on a wide neuron (6N + 3 derivative lanes).
public enum MultiCompartmentBenchmark {
    /// The 5-3 network; `recording` forces the recorded reverse pass.
    public static func network(dendrites: Int, recording: Bool, seed: UInt64 = 5) throws -> Network {
        var rng = SplitMix64(seed: seed)
        let model = try MultiCompartment(dendrites: dendrites)
        var synapses: [Synapse] = []
        for c in 0..<5 { for j in 0..<3 { synapses.append(Synapse(from: .input(c), to: j, weight: (0..<dendrites).map { _ in rng.uniform(0...3) })) } }
        let pop = PopulationSpec(model, count: 3, recording: recording)
        return try Network(inputCount: 5, populations: [pop], synapses: synapses, outputs: [0, 1, 2], tmax: 30,
                           solver: SolverConfig(tableau: .tsit5, dt: 0.05, adaptive: AdaptiveConfig(rtol: 1e-6, atol: 1e-6)))
    }

    /// Forward and forward+backward samples/s on the first `batch` Yin-Yang training samples, and
    /// the derivative lanes of one neuron.
    public static func measure(dendrites: Int, recording: Bool, batch: Int, threads: Int, minSeconds: Double) throws -> (fwd: Double, fwdbwd: Double, lanes: Int) {
        let net = try network(dendrites: dendrites, recording: recording)
        let lanes = derivativeLanes(try MultiCompartment(dendrites: dendrites), learnableCount: net.learnableNames(ofNeuron: 0).count)
        let (inputs, labels) = YinYangBenchmark.data(count: batch)
        let eval = BatchEvaluator(network: net, threads: threads)
        let loss = TTFSCrossEntropy()
        let fwd = try samplesPerSecond(batch: batch, minSeconds: minSeconds) { _ = try eval.forward(inputs, readout: .ttfs) }
        let fwdbwd = try samplesPerSecond(batch: batch, minSeconds: minSeconds) {
            _ = try eval.lossAndGradient(inputs, readout: .ttfs) { i, r in
                let (l, ct) = loss.lossAndCotangent(ttfs: r.ttfs, label: labels[i], tmax: 30)
                return (l, Cotangent(ttfs: ct))
            }
        }
        return (fwd, fwdbwd, lanes)
    }
}
