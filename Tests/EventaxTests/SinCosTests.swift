import Foundation
import Testing
@testable import Eventax

/// `eventaxSinCos` against libm (the independent oracle): at most 2 ulp of the libm value, over the
/// phase range QIF uses, a wider range, quadrant boundaries, and the libm fallback beyond 10⁵.
@Suite struct SinCosTests {
    /// Error in units of the last place of `reference`.
    func ulps(_ value: Double, _ reference: Double) -> Double {
        reference == 0 ? (value == 0 ? 0 : .infinity) : abs(value - reference) / reference.ulp
    }

    func check(_ xs: [Double]) -> (sin: Double, cos: Double) {
        var worst = (sin: 0.0, cos: 0.0)
        for x in xs {
            let (s, c) = eventaxSinCos(x)
            worst.sin = max(worst.sin, ulps(s, Foundation.sin(x)))
            worst.cos = max(worst.cos, ulps(c, Foundation.cos(x)))
        }
        return worst
    }

    @Test("eventaxSinCos is within 2 ulp of libm")
    func againstLibm() {
        var rng = SplitMix64(seed: 11)
        var xs: [Double] = (0..<200_000).map { _ in rng.uniform(-2 * Double.pi...2 * Double.pi) }
        xs += (0..<50_000).map { _ in rng.uniform(-1000...1000) }
        for k in -40...40 {
            let b = Double(k) * Double.pi / 4
            xs += [b, b.nextUp, b.nextDown, b + 1e-9, b - 1e-9]
        }
        xs += [0, -0.0, 1e-300, 5e-324, 1e-8, 0.5, Double.pi, 1e5 - 1, 1e5, 3e7, -1e12]
        let worst = check(xs)
        print("[SinCos] worst error: sin \(worst.sin) ulp, cos \(worst.cos) ulp")
        #expect(worst.sin <= 2)
        #expect(worst.cos <= 2)
        let (s, c) = eventaxSinCos(.infinity)
        #expect(s.isNaN && c.isNaN)
    }

    @Test("Double's sin, cos and sinCos agree bit for bit (forward and reverse pass see one function)")
    func consistent() {
        for x in stride(from: -7.0, through: 7.0, by: 0.001) {
            let (s, c) = Double.sinCos(x)
            #expect(Double.sin(x) == s && Double.cos(x) == c)
        }
    }
}
