import Foundation

/// Time-to-first-spike cross-entropy (Wunderlich & Pehle 2021): softmax cross-entropy over the
/// logits −t_k/τ0 plus the regularizer α·(exp(t_target/τ1) − 1) that rewards an early target
/// spike. A missing output spike counts as `tmax` (and then has no gradient).
///
/// ``Regularizer/inLog`` is the form of Eventax's classification notebook, which adds the
/// regularizer to the target's softmax probability inside the logarithm:
/// −log(p_target + α·(exp(t_target/τ1) − 1)).
public struct TTFSCrossEntropy: Sendable {
    /// Where the regularizer enters the loss.
    public enum Regularizer: String, CaseIterable, Sendable, Codable {
        /// −log p_target + α·(exp(t_target/τ1) − 1) (Wunderlich & Pehle; the default).
        case separate
        /// −log(p_target + α·(exp(t_target/τ1) − 1)) (Eventax's classification notebook).
        case inLog = "in-log"
    }

    /// Softmax temperature τ0.
    public var tau0: Double = 0.5
    /// Regularizer time constant τ1.
    public var tau1: Double = 6.4
    /// Regularizer weight α.
    public var alpha: Double = 3e-3
    /// Where the regularizer enters the loss.
    public var regularizer = Regularizer.separate

    /// The loss with the given constants.
    public init(tau0: Double = 0.5, tau1: Double = 6.4, alpha: Double = 3e-3, regularizer: Regularizer = .separate) {
        self.tau0 = tau0; self.tau1 = tau1; self.alpha = alpha; self.regularizer = regularizer
    }

    /// Loss and d loss / d first-spike time for one sample.
    public func lossAndCotangent(ttfs: [Double?], label: Int, tmax: Double) -> (loss: Double, cotangent: [Double]) {
        let t = ttfs.map { $0 ?? tmax }
        let z = t.map { -$0 / tau0 }
        let m = z.max() ?? 0
        let e = z.map { Foundation.exp($0 - m) }
        let sum = e.reduce(0, +)
        let reg = Foundation.exp(t[label] / tau1)
        var ct = [Double](repeating: 0, count: t.count)
        switch regularizer {
        case .separate:
            let loss = -(z[label] - m - Foundation.log(sum)) + alpha * (reg - 1)
            for k in t.indices where ttfs[k] != nil {
                let p = e[k] / sum
                ct[k] = -(p - (k == label ? 1 : 0)) / tau0
                if k == label { ct[k] += alpha * reg / tau1 }
            }
            return (loss, ct)
        case .inLog:
            // L = −log q with q = p_y + α(R − 1): dq/dt_k = p_y(p_k − δ_ky)/τ0 + δ_ky·αR/τ1.
            let py = e[label] / sum
            let q = py + alpha * (reg - 1)
            for k in t.indices where ttfs[k] != nil {
                let p = e[k] / sum
                var dq = py * (p - (k == label ? 1 : 0)) / tau0
                if k == label { dq += alpha * reg / tau1 }
                ct[k] = -dq / q
            }
            return (-Foundation.log(q), ct)
        }
    }
}
