import Testing
import Foundation
@testable import Eventax

@Suite struct OptimizerTests {
    @Test("AdamW's first step equals its closed form; global-norm clipping scales to the bound")
    func optimizer() throws {
        var opt = AdamW(lr: 0.1, weightDecay: 0.01)
        var p = [1.0, -2.0]
        opt.step(&p, [0.5, -3.0])
        // First step: m̂ = g, v̂ = g², so the update is lr·(g/(|g|+eps) + wd·p).
        #expect(abs(p[0] - (1.0 - 0.1 * (0.5 / (0.5 + 1e-8) + 0.01 * 1.0))) < 1e-15)
        #expect(abs(p[1] - (-2.0 - 0.1 * (-3.0 / (3.0 + 1e-8) + 0.01 * -2.0))) < 1e-15)
        var g = [3.0, 4.0]
        let norm = try clipByGlobalNorm(&g, maxNorm: 1)
        #expect(norm == 5)
        #expect(abs(g[0] - 0.6) < 1e-15 && abs(g[1] - 0.8) < 1e-15)
    }

    @Test("AdamW over many steps follows the optax update rule written out here; weight decay 0 is Adam; SGD steps against the gradient")
    func adamWSequence() {
        let lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 1e-4
        var opt = AdamW(lr: lr, weightDecay: wd)
        var adam = AdamW(lr: lr, weightDecay: 0)
        var p = [0.7, -1.3, 0.0], q = p
        var ref = p, refAdam = p
        var m = [Double](repeating: 0, count: 3), v = m, mA = m, vA = m
        var rng = TestRNG(11)
        for t in 1...25 {
            let g = (0..<3).map { _ in rng.uniform(-2, 2) }
            opt.step(&p, g)
            adam.step(&q, g)
            for k in 0..<3 {
                m[k] = b1 * m[k] + (1 - b1) * g[k]; v[k] = b2 * v[k] + (1 - b2) * g[k] * g[k]
                let mHat = m[k] / (1 - Foundation.pow(b1, Double(t))), vHat = v[k] / (1 - Foundation.pow(b2, Double(t)))
                ref[k] -= lr * (mHat / (vHat.squareRoot() + eps) + wd * ref[k])
                mA[k] = b1 * mA[k] + (1 - b1) * g[k]; vA[k] = b2 * vA[k] + (1 - b2) * g[k] * g[k]
                let mHatA = mA[k] / (1 - Foundation.pow(b1, Double(t))), vHatA = vA[k] / (1 - Foundation.pow(b2, Double(t)))
                refAdam[k] -= lr * mHatA / (vHatA.squareRoot() + eps)
            }
        }
        for k in 0..<3 {
            #expect(abs(p[k] - ref[k]) < 1e-13, "AdamW parameter \(k): \(p[k]) vs \(ref[k])")
            #expect(abs(q[k] - refAdam[k]) < 1e-13, "Adam parameter \(k): \(q[k]) vs \(refAdam[k])")
        }
        #expect(p != q)
        var sgd = SGD(lr: 0.5)
        var x = [1.0, 2.0]
        sgd.step(&x, [0.25, -1.0])
        #expect(x == [0.875, 2.5])
    }

    @Test("Global-norm clipping leaves gradients within the bound unchanged and returns their norm")
    func clippingBelowTheBound() throws {
        var g = [0.3, -0.4]
        let norm = try clipByGlobalNorm(&g, maxNorm: 1)
        #expect(abs(norm - 0.5) < 1e-15)
        #expect(g == [0.3, -0.4])
    }

    @Test("Global-norm clipping of gradients whose squares overflow still scales them to the bound; a non-finite entry or a negative bound is a named error")
    func clippingHugeAndNonFinite() throws {
        var g = [3e200, -4e200]
        let norm = try clipByGlobalNorm(&g, maxNorm: 1)
        #expect(abs(norm / 5e200 - 1) < 1e-15)
        #expect(abs(g[0] - 0.6) < 1e-15 && abs(g[1] + 0.8) < 1e-15)
        for bad in [Double.nan, .infinity, -.infinity] {
            var h = [1.0, bad, 2.0]
            #expect(throws: EventaxError.self) { try clipByGlobalNorm(&h, maxNorm: 1) }
            do { try clipByGlobalNorm(&h, maxNorm: 1) } catch { #expect("\(error)".contains("gradient[1]"), "\(error)") }
            #expect(h[0] == 1 && h[2] == 2)
        }
        var z = [1.0]
        #expect(throws: EventaxError.self) { try clipByGlobalNorm(&z, maxNorm: -1) }
    }
}
