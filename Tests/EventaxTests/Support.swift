import Foundation
@testable import Eventax

/// A small deterministic generator for test data (SplitMix64).
struct TestRNG {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
    mutating func uniform(_ lo: Double, _ hi: Double) -> Double {
        lo + (hi - lo) * Double(next() >> 11) / Double(1 << 53)
    }
    mutating func matrix(_ rows: Int, _ cols: Int, _ lo: Double, _ hi: Double) -> [[Double]] {
        (0..<rows).map { _ in (0..<cols).map { _ in uniform(lo, hi) } }
    }
    mutating func spikeTimes(channels: Int, perChannel: Int, _ lo: Double, _ hi: Double) -> [[Double]] {
        (0..<channels).map { _ in (0..<perChannel).map { _ in uniform(lo, hi) }.sorted() }
    }
}

/// A scalar loss built from a cotangent: Σ cot · readout (only outputs that spiked count for ttfs).
func scalarLoss(_ r: SimulationResult, _ ct: Cotangent) -> Double {
    var L = 0.0
    if let t = ct.ttfs { for (k, v) in t.enumerated() { if let s = r.ttfs[k] { L += v * s } } }
    if let st = ct.states {
        for (o, perTime) in st.enumerated() { for (k, ch) in perTime.enumerated() { for (c, v) in ch.enumerated() { L += v * r.states[o][k][c] } } }
    }
    if let sp = ct.spikes { for (n, list) in sp.enumerated() { for (k, v) in list.enumerated() { L += v * r.spikes[n][k] } } }
    return L
}

/// The outcome of comparing reverse-mode gradients with central finite differences of the forward.
struct FDReport: CustomStringConvertible {
    var checked = 0
    var skipped = 0
    var worst = 0.0
    var failures: [String] = []
    var description: String { "checked \(checked), skipped \(skipped), worst relative error \(worst), failures: \(failures.prefix(5))" }
}

/// Compares `Simulator.gradient` with (fourth-order) central differences of the forward simulation for every
/// weight, every learnable parameter and every input spike time. A component is skipped (and
/// counted) when the ±ε runs differ in spike counts or committed step counts, i.e. when the perturbation
/// changes the discrete structure of the computation. Tolerance: |fd − g| ≤ rtol·|g| + atol.
/// ε = 1e-4 with a fourth-order stencil: the truncation error is O(ε⁴) while the rounding noise
/// (spike times are resolved to a few ulp of t, ~1e-14) divided by ε stays near 1e-10; at
/// ε = 1e-6 that noise alone reaches 2e-8.
func finiteDifferenceCheck(_ net: Network, input: [[Double]], readout: ReadoutRequest, cotangent: Cotangent,
                           eps: Double = 1e-4, rtol: Double = 1e-6, atol: Double = 1e-9) throws -> FDReport {
    let sim = Simulator(network: net)
    let base = try sim.run(input, readout: readout)
    let g = try sim.gradient(cotangent)
    var report = FDReport()

    func structure(_ r: SimulationResult) -> [Int] { r.spikes.map(\.count) + r.committedRecords }
    let baseStructure = structure(base)

    func compare(_ name: String, _ analytic: Double, _ eval: (Double) throws -> SimulationResult?) throws {
        var runs: [SimulationResult] = []
        for d in [2 * eps, eps, -eps, -2 * eps] {
            guard let r = try eval(d), structure(r) == baseStructure else { report.skipped += 1; return }
            runs.append(r)
        }
        let L = runs.map { scalarLoss($0, cotangent) }
        // Fourth-order central difference: stiff models (EIF near its cut-off) have large third
        // derivatives that make the plain two-point difference inaccurate at any usable ε.
        let fd = (-L[0] + 8 * L[1] - 8 * L[2] + L[3]) / (12 * eps)
        let err = abs(fd - analytic)
        report.checked += 1
        let rel = err / max(abs(analytic), 1e-300)
        if err > rtol * abs(analytic) + atol {
            report.failures.append("\(name): reverse \(analytic) vs fd \(fd)")
        } else if abs(analytic) > atol / rtol {
            report.worst = max(report.worst, rel)
        }
    }

    for k in net.weights.indices {
        try compare("weight[\(k)]", g.weights[k]) { d in
            var w = net.weights; w[k] += d
            return try Simulator(network: net.withWeights(w, parameters: net.parameters)).run(input, readout: readout)
        }
    }
    for n in 0..<net.neuronCount {
        let names = net.learnableNames(ofNeuron: n)
        for (l, name) in names.enumerated() {
            let idx = net.parameterOffset[n] + net.model(ofNeuron: n).parameterIndex(name)!
            try compare("neuron \(n).\(name)", g.parameters[net.learnableOffset[n] + l]) { d in
                var p = net.parameters; p[idx] += d
                return try Simulator(network: net.withWeights(net.weights, parameters: p)).run(input, readout: readout)
            }
        }
    }
    for c in input.indices {
        for k in input[c].indices {
            try compare("input[\(c)][\(k)]", g.inputs[c][k]) { d in
                var x = input; x[c][k] += d
                if (k > 0 && x[c][k] < x[c][k - 1]) || (k + 1 < x[c].count && x[c][k] > x[c][k + 1]) || x[c][k] < 0 { return nil }
                return try Simulator(network: net).run(x, readout: readout)
            }
        }
    }
    return report
}

/// A fresh path in the temporary folder, `prefix` plus a UUID (not created).
func temporaryFolder(_ prefix: String) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
}
