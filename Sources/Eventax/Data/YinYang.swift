import Foundation

/// 32-bit Mersenne Twister (MT19937) reproducing numpy's legacy `numpy.random.RandomState`
/// bit for bit when seeded with an integer.
public struct MersenneTwister: Sendable {
    private var state: [UInt32]
    private var index: Int

    /// Seeds the generator with the classic `init_genrand` routine, as `RandomState(seed)` does.
    public init(seed: UInt32) {
        var mt = [UInt32](repeating: 0, count: 624)
        mt[0] = seed
        for i in 1..<624 {
            let prev = mt[i - 1]
            mt[i] = 1_812_433_253 &* (prev ^ (prev >> 30)) &+ UInt32(i)
        }
        state = mt
        index = 624
    }

    /// Regenerates all 624 state words (the MT19937 "twist").
    private mutating func twist() {
        state.withUnsafeMutableBufferPointer { mt in
            for i in 0..<624 {
                let y = (mt[i] & 0x8000_0000) | (mt[(i + 1) % 624] & 0x7FFF_FFFF)
                mt[i] = mt[(i + 397) % 624] ^ (y >> 1) ^ ((y & 1) == 0 ? 0 : 0x9908_B0DF)
            }
        }
        index = 0
    }

    /// Returns the next tempered 32-bit output.
    public mutating func next32() -> UInt32 {
        if index >= 624 { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    /// Returns a double in [0, 1) with 53 random bits, like numpy's `random_sample()` / `rand()`.
    public mutating func nextDouble() -> Double {
        let a = Double(next32() >> 5)
        let b = Double(next32() >> 6)
        return (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// Returns an integer in `0..<high`, like numpy's legacy `RandomState.randint(high)`
    /// for `1 <= high <= 2^32`: masked rejection sampling with the smallest all-ones mask
    /// covering `high - 1` (no draw is consumed when `high == 1`).
    public mutating func legacyRandint(_ high: Int) -> Int {
        precondition(high >= 1 && UInt64(high) <= 1 << 32, "legacyRandint requires 1 <= high <= 2^32")
        let range = UInt32(high - 1)
        if range == 0 { return 0 }
        if range == .max { return Int(next32()) }
        var mask = range
        mask |= mask >> 1
        mask |= mask >> 2
        mask |= mask >> 4
        mask |= mask >> 8
        mask |= mask >> 16
        while true {
            let value = next32() & mask
            if value <= range { return Int(value) }
        }
    }
}

/// The three official splits of the Yin-Yang dataset (Kriener et al.) with their seeds and sizes.
public enum YinYangSplit: String, CaseIterable, Sendable {
    case train, validation, test

    /// The numpy `RandomState` seed used by the reference implementation.
    public var seed: UInt32 {
        switch self {
        case .train: return 42
        case .validation: return 41
        case .test: return 40
        }
    }

    /// The number of samples in the split.
    public var size: Int {
        switch self {
        case .train: return 5000
        case .validation, .test: return 1000
        }
    }
}

/// One Yin-Yang sample: a point in the unit square and its class (0 = yin, 1 = yang, 2 = dot).
public struct YinYangSample: Sendable, Equatable {
    /// Horizontal coordinate in [0, 1].
    public var x: Double
    /// Vertical coordinate in [0, 1].
    public var y: Double
    /// Class label: 0 = yin, 1 = yang, 2 = dots.
    public var label: Int

    /// The four network inputs `(x, y, 1 - x, 1 - y)`.
    public var features: [Double] { [x, y, 1 - x, 1 - y] }
}

/// Generator for the Yin-Yang dataset, matching the official numpy implementation bit for bit.
public enum YinYang {
    /// Radius of the two small dots.
    public static let rSmall = 0.1
    /// Radius of the enclosing circle.
    public static let rBig = 0.5

    /// Generates one of the official splits.
    public static func generate(_ split: YinYangSplit) -> [YinYangSample] {
        generate(seed: split.seed, count: split.size)
    }

    /// Generates `count` class-balanced samples from `RandomState(seed)`: for each sample a goal
    /// class is drawn with `randint(3)`, then points are rejection-sampled until one has that class.
    public static func generate(seed: UInt32, count: Int) -> [YinYangSample] {
        var rng = MersenneTwister(seed: seed)
        var samples: [YinYangSample] = []
        samples.reserveCapacity(count)
        for _ in 0..<count {
            let goal = rng.legacyRandint(3)
            while true {
                let x = rng.nextDouble() * 2 * rBig
                let y = rng.nextDouble() * 2 * rBig
                let dx = x - rBig, dy = y - rBig
                if (dx * dx + dy * dy).squareRoot() > rBig { continue }
                if classify(x: x, y: y) == goal {
                    samples.append(YinYangSample(x: x, y: y, label: goal))
                    break
                }
            }
        }
        return samples
    }

    /// Returns the class of a point: 2 inside a dot, 1 for yang, 0 for yin.
    public static func classify(x: Double, y: Double) -> Int {
        let rx = x - 1.5 * rBig, ry = y - rBig
        let dRight = (rx * rx + ry * ry).squareRoot()
        let lx = x - 0.5 * rBig, ly = y - rBig
        let dLeft = (lx * lx + ly * ly).squareRoot()
        let crit1 = dRight <= rSmall
        let crit2 = dLeft > rSmall && dLeft <= 0.5 * rBig
        let crit3 = y > rBig && dRight > 0.5 * rBig
        let isYin = crit1 || crit2 || crit3
        let isCircles = dRight < rSmall || dLeft < rSmall
        return isCircles ? 2 : (isYin ? 1 : 0)
    }
}
