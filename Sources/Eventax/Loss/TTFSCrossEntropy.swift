import Foundation

/// Time-to-first-spike cross-entropy (Wunderlich & Pehle 2021): softmax cross-entropy over the
/// logits −t_k/τ0 plus the regularizer α·(exp(t_target/τ1) − 1) that rewards an early target
/// spike. A missing output spike counts as `tmax` (and then has no gradient).
public struct TTFSCrossEntropy: Sendable {
    /// Softmax temperature τ0.
    public var tau0: Double = 0.5
    /// Regularizer time constant τ1.
    public var tau1: Double = 6.4
    /// Regularizer weight α.
    public var alpha: Double = 3e-3

    /// The loss with the given constants.
    public init(tau0: Double = 0.5, tau1: Double = 6.4, alpha: Double = 3e-3) {
        self.tau0 = tau0; self.tau1 = tau1; self.alpha = alpha
    }

    /// Loss and d loss / d first-spike time for one sample.
    public func lossAndCotangent(ttfs: [Double?], label: Int, tmax: Double) -> (loss: Double, cotangent: [Double]) {
        let t = ttfs.map { $0 ?? tmax }
        let z = t.map { -$0 / tau0 }
        let m = z.max() ?? 0
        let e = z.map { Foundation.exp($0 - m) }
        let sum = e.reduce(0, +)
        let reg = Foundation.exp(t[label] / tau1)
        let loss = -(z[label] - m - Foundation.log(sum)) + alpha * (reg - 1)
        var ct = [Double](repeating: 0, count: t.count)
        for k in t.indices where ttfs[k] != nil {
            let p = e[k] / sum
            ct[k] = -(p - (k == label ? 1 : 0)) / tau0
            if k == label { ct[k] += alpha * reg / tau1 }
        }
        return (loss, ct)
    }
}
