import Foundation

/// One delayed-memory XOR trial: input spike times on nine channels and the label.
public struct DelayedXORSample: Sendable, Equatable {
    /// Spike times per channel: 0–2 carry value 0, 3–5 value 1, 6–8 the cue.
    public var input: [[Double]]
    /// The first value (0 or 1), presented at t1.
    public var a: Int
    /// The second value, presented at t2.
    public var b: Int
    /// a XOR b.
    public var label: Int { a ^ b }
    /// Time of the first cue spike: the readout window starts here.
    public var cueTime: Double { DelayedXOR.cueTime(of: input) }
}

/// The delayed-memory XOR task of the Eventax paper (§IV-E): two binary values arrive as spike
/// volleys at t1 = 0 and at t2, uniform in the first third of the trial; a cue volley follows at t3,
/// uniform in [t2 + minGap, cueLatest]; the network must answer a XOR b after the cue.
///
/// Each volley is one spike on each of the three channels of its group (value 0: channels 0–2,
/// value 1: channels 3–5, cue: channels 6–8), each spike jittered by U[0, jitter] ms after the
/// volley time. The paper's exact intervals did not survive in our copy; these are our choices:
/// trial 100 ms, t2 ∈ [10, 100/3], t3 ∈ [t2 + 20, 70], jitter 2 ms.
public enum DelayedXOR {
    /// Trial length (ms).
    public static let trial = 100.0
    /// Spike jitter within a volley (ms).
    public static let jitter = 2.0
    /// Input channels.
    public static let channels = 9

    /// Time of the first cue spike (channels 6–8) of an encoded trial, 0 when there is none.
    public static func cueTime(of input: [[Double]]) -> Double { input[6...8].compactMap(\.first).min() ?? 0 }

    /// `count` seeded samples.
    public static func generate(count: Int, seed: UInt64) -> [DelayedXORSample] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let a = Int(rng.next() & 1), b = Int(rng.next() & 1)
            let t2 = rng.uniform(10...(trial / 3))
            let t3 = rng.uniform((t2 + 20)...70)
            var input = [[Double]](repeating: [], count: channels)
            for (t, group) in [(0.0, 3 * a), (t2, 3 * b), (t3, 6)] {
                for c in group..<group + 3 { input[c].append(t + rng.uniform(0...jitter)) }
            }
            return DelayedXORSample(input: input, a: a, b: b)
        }
    }

    /// The official splits of this project: 5000 / 1000 / 1000 samples with seeds 42 / 41 / 40.
    public static func split(_ name: YinYangSplit) -> [DelayedXORSample] {
        switch name {
        case .train: return generate(count: 5000, seed: 42)
        case .validation: return generate(count: 1000, seed: 41)
        case .test: return generate(count: 1000, seed: 40)
        }
    }
}
