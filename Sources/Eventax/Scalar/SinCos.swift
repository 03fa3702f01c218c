import CEventaxMath

/// Sine and cosine of `x` with one range reduction and two short polynomials, inlined into the
/// model code. Phase-form models (QIF) evaluate both on every stage of every step; the libm call
/// was a third of their simulation time.
///
/// Method: k = round(2x/π); r = x − k·π/2 with π/2 split in four parts (Cody–Waite; the first two
/// parts have enough trailing zero bits that k·part is exact for |k| < 2²⁰); sin r and cos r on
/// |r| ≤ π/4 from the degree-13 and degree-14 minimax polynomials of fdlibm's kernels (coefficients
/// as published in FreeBSD msun `k_sin.c` / `k_cos.c`); the quadrant k mod 4 selects signs and
/// order. Error ≤ 2 ulp against libm (tested). Arguments with |x| ≥ 10⁵ or not finite go to libm.
@inlinable @inline(__always)
public func eventaxSinCos(_ x: Double) -> (sin: Double, cos: Double) {
    guard abs(x) < 1e5 else {
        var s = 0.0, c = 0.0
        eventax_sincos(x, &s, &c)
        return (s, c)
    }
    let k = (x * 0.63661977236758134308).rounded(.toNearestOrEven)
    // π/2 = p1 + p2 + p3 + p4.
    let p1 = 1.57079632673412561417e+00, p2 = 6.07710050630396597660e-11, p3 = 2.02226624871116645580e-21
    let p4 = 8.47842766036889956997e-32
    let r = (((x - k * p1) - k * p2) - k * p3) - k * p4
    let z = r * r
    let s1 = -1.66666666666666324348e-01, s2 = 8.33333333332248946124e-03, s3 = -1.98412698298579493134e-04
    let s4 = 2.75573137070700676789e-06, s5 = -2.50507602534068634195e-08, s6 = 1.58969099521155010221e-10
    let c1 = 4.16666666666666019037e-02, c2 = -1.38888888888741095749e-03, c3 = 2.48015872894767294178e-05
    let c4 = -2.75573143513906633035e-07, c5 = 2.08757232129817482790e-09, c6 = -1.13596475577881948265e-11
    let sr = r + r * z * (s1 + z * (s2 + z * (s3 + z * (s4 + z * (s5 + z * s6)))))
    let poly = z * z * (c1 + z * (c2 + z * (c3 + z * (c4 + z * (c5 + z * c6)))))
    // cos r = 1 − z/2 + poly, summed so that the large terms cancel exactly (fdlibm's split).
    let hz = 0.5 * z
    let w = 1.0 - hz
    let cr = w + (((1.0 - w) - hz) + poly)
    switch Int(k) & 3 {
    case 0: return (sr, cr)
    case 1: return (cr, -sr)
    case 2: return (-sr, -cr)
    default: return (-cr, sr)
    }
}
