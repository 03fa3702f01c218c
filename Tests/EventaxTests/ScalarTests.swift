import Testing
import Foundation
@testable import Eventax

/// The scalar primitives models are written with: `sinCosPi` for `Double` and `Dual`.
@Suite struct ScalarTests {
    /// Exact values at multiples of ½, where the reduction leaves r = 0, and √½ at x = ¼.
    @Test func sinCosPiSpecialValues() {
        for (x, s, c) in [(0.0, 0.0, 1.0), (0.5, 1.0, 0.0), (1.0, 0.0, -1.0), (1.5, -1.0, 0.0),
                          (-0.5, -1.0, 0.0), (2.0, 0.0, 1.0), (-7.5, 1.0, 0.0)] {
            let r = Double.sinCosPi(x)
            #expect(r.sin == s && r.cos == c, "x = \(x): \(r)")
        }
        let q = Double.sinCosPi(0.25), half = 0.5.squareRoot()
        #expect(abs(q.sin - half) <= half.ulp && abs(q.cos - half) <= half.ulp, "\(q)")
        #expect(Double.sinCosPi(.nan).sin.isNaN && Double.sinCosPi(.infinity).cos.isNaN && Double.sinCosPi(1e300).sin.isNaN)
    }

    /// Against libm's sin(π·x) and cos(π·x), whose only extra error is the rounding of π·x
    /// (≤ ½ ulp of π·x, times the derivative), and the identity sin² + cos² = 1.
    @Test func sinCosPiMatchesLibm() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<20_000 {
            let x = -4 + 8 * Double(rng.next() >> 11) * 0x1p-53
            let (s, c) = Double.sinCosPi(x)
            let px = Double.pi * x, slack = 0.5 * px.ulp + 2 * Double.pi.ulp * abs(x)
            #expect(abs(s - sin(px)) <= slack + 2 * 1.0.ulp, "x = \(x)")
            #expect(abs(c - cos(px)) <= slack + 2 * 1.0.ulp, "x = \(x)")
            #expect(abs(s * s + c * c - 1) <= 4 * 1.0.ulp, "x = \(x)")
        }
    }

    /// The dual lanes carry d/dx sin(πx) = π·cos(πx) and d/dx cos(πx) = −π·sin(πx), checked
    /// against central differences of the `Double` function.
    @Test func sinCosPiDualDerivative() {
        for x in [-1.3, -0.26, 0.0, 0.1, 0.49, 0.5, 0.77, 1.0, 2.6] {
            let (s, c) = Dual<SIMD2<Double>>.sinCosPi(Dual(x, seed: 0))
            let h = 1e-5
            let fd = { (f: (Double) -> Double) in (f(x + h) - f(x - h)) / (2 * h) }
            #expect(s.value == Double.sinCosPi(x).sin && c.value == Double.sinCosPi(x).cos)
            #expect(abs(s.d[0] - fd { Double.sinCosPi($0).sin }) <= 1e-8, "x = \(x)")
            #expect(abs(c.d[0] - fd { Double.sinCosPi($0).cos }) <= 1e-8, "x = \(x)")
            #expect(s.d[1] == 0 && c.d[1] == 0)
        }
    }

    /// Each lane of a `Lanes4` operation is the `Double` operation, bit for bit (the lockstep
    /// integration of input-driven neurons relies on it).
    @Test func lanesAreBitwiseDoubles() {
        var rng = TestRNG(17)
        for _ in 0..<200 {
            let a = SIMD4((0..<4).map { _ in rng.uniform(-3, 3) }), b = SIMD4((0..<4).map { _ in rng.uniform(0.1, 4) })
            let x = Lanes4(lanes: a), y = Lanes4(lanes: b), c = rng.uniform(-2, 2)
            let cases: [(Lanes4, (Double, Double) -> Double)] = [
                (x + y, { $0 + $1 }), (x - y, { $0 - $1 }), (x * y, { $0 * $1 }), (x / y, { $0 / $1 }), (-x, { a, _ in -a }),
                (x + c, { a, _ in a + c }), (c - x, { a, _ in c - a }), (x * c, { a, _ in a * c }), (c / y, { _, b in c / b }),
                (Lanes4.plusScaled(x, c, y), { Double.plusScaled($0, c, $1) }),
                (Lanes4.exp(x), { a, _ in Double.exp(a) }), (Lanes4.log(y), { _, b in Double.log(b) }),
                (Lanes4.sin(x), { a, _ in Double.sin(a) }), (Lanes4.cos(x), { a, _ in Double.cos(a) }),
                (Lanes4.sinCos(x).sin, { a, _ in Double.sinCos(a).sin }), (Lanes4.sinCos(x).cos, { a, _ in Double.sinCos(a).cos }),
                (Lanes4.sinCosPi(x).sin, { a, _ in Double.sinCosPi(a).sin }), (Lanes4.sinCosPi(x).cos, { a, _ in Double.sinCosPi(a).cos }),
                (Lanes4.tan(x), { a, _ in Double.tan(a) }), (Lanes4.tanh(x), { a, _ in Double.tanh(a) }),
                (Lanes4.sqrt(y), { _, b in Double.sqrt(b) }), (Lanes4.sigmoid(x), { a, _ in Double.sigmoid(a) }),
                (Lanes4.pow(y, 1.7), { _, b in Double.pow(b, 1.7) }),
            ]
            for (k, (lanes, f)) in cases.enumerated() {
                for l in 0..<4 { #expect(lanes.v[l].bitPattern == f(a[l], b[l]).bitPattern, "case \(k), lane \(l)") }
            }
        }
    }

    /// The four-lane sinCosPi is its own code (masks instead of branches): every lane must equal
    /// the scalar routine bit for bit across quadrants, at their boundaries, for negative,
    /// large and non-finite arguments.
    @Test func lanesNegateZerosAsDoubles() {
        let x = Lanes4(lanes: SIMD4(0, -0.0, 1, .infinity))
        let n = -x
        for l in 0..<4 { #expect(n.v[l].bitPattern == (-x.v[l]).bitPattern, "lane \(l): \(n.v[l])") }
        #expect(n.v[0].sign == .minus && n.v[1].sign == .plus)
    }

    @Test func fourLaneSinCosPiIsTheScalarRoutine() {
        var rng = TestRNG(29)
        var xs: [Double] = [0, -0.0, 0.25, -0.25, 0.5, -0.5, 0.75, 1, -1, 1.5, 2, -2.75, 1e6 + 0.25, -123456.75,
                            0x1p49, -0x1p49, 0x1p50 - 0.5, 0x1p50, -0x1p50, 1e300, .infinity, -.infinity, .nan,
                            0.25.nextUp, 0.25.nextDown, (-0.75).nextUp, 1e-300, -5e-324]
        for _ in 0..<4000 { xs.append(rng.uniform(-8, 8)) }
        for _ in 0..<1000 { xs.append(Double(Int(rng.uniform(-40, 40))) * 0.25 + rng.uniform(-1e-9, 1e-9)) }
        for _ in 0..<200 { xs.append(rng.uniform(-1e15, 1e15)) }
        while xs.count % 4 != 0 { xs.append(0.125) }
        for i in stride(from: 0, to: xs.count, by: 4) {
            let v = SIMD4(xs[i], xs[i + 1], xs[i + 2], xs[i + 3])
            let (s, c) = Eventax.sinCosPi(v)
            for l in 0..<4 {
                let (es, ec) = Double.sinCosPi(v[l])
                #expect(s[l].bitPattern == es.bitPattern || (s[l].isNaN && es.isNaN), "sin(π·\(v[l])): \(s[l]) vs \(es)")
                #expect(c[l].bitPattern == ec.bitPattern || (c[l].isNaN && ec.isNaN), "cos(π·\(v[l])): \(c[l]) vs \(ec)")
            }
        }
    }
}

/// The controller skips its `pow` when a shortened step's proposal is certainly clamped at
/// factorMax; the clamp must then be exactly what the `pow` formula gives.
@Suite struct ControllerShortcutTests {
    @Test func clampShortcutAgreesWithPow() {
        typealias K = ModelKernel<LIF, SIMD4<Double>>
        var rng = TestRNG(23)
        var taken = 0, near = 0
        for _ in 0..<200_000 {
            let power = [3, 4, 5, 6][Int(rng.next() % 4)]
            let hProp = Double.exp(rng.uniform(-6, 2)), h = hProp * rng.uniform(1e-4, 1)
            let safety = 0.9, factorMax = 10.0, factorMin = 0.2
            let bound = Double.pow(safety * h / (hProp * factorMax), Double(power))
            let err = bound * Double.exp(rng.uniform(-3, 0.5))  // around the threshold, both sides
            let viaPow = min(hProp * factorMax, max(hProp * factorMin, h * (safety * Double.pow(err, -1 / Double(power)))))
            if K.certainlyClamped(errNorm: err, h: h, hProp: hProp, safety: safety, factorMax: factorMax, power: power) {
                taken += 1
                #expect(viaPow == hProp * factorMax, "err \(err), h \(h), hProp \(hProp), power \(power)")
                if err > bound * 0.999 { near += 1 }
            }
        }
        #expect(taken > 50_000, "the shortcut must apply often in this range")
        #expect(near > 0, "some cases must sit right at the threshold")
    }
}
