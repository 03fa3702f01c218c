extension Simulator {
    /// The reverse pass of the last ``run(_:readout:)``: the vector–Jacobian product of the
    /// readouts with `cotangent`, w.r.t. every weight, every learnable neuron parameter, every
    /// synaptic and axonal delay and every input spike time. It replays exactly the forward
    /// computation — solver steps, spike times (implicit function theorem), jumps and resets — in
    /// reverse order of commitment.
    public func gradient(_ cotangent: Cotangent) throws -> Gradients {
        var grads = Gradients(network: network, inputShape: inputShape)
        try accumulateGradient(cotangent, into: &grads)
        return grads
    }

    /// ``gradient(_:)`` added into `grads` (weights, parameters and delays accumulate; the input-time
    /// gradients are replaced by this run's). Sums over a batch without a full-size temporary per sample.
    /// Gradients made without delays (``Gradients/init(network:inputShape:delays:)``) get no delay gradients.
    public func accumulateGradient(_ cotangent: Cotangent, into grads: inout Gradients) throws {
        guard hasRun else { throw EventaxError.invalid(field: "gradient", "call run(_:readout:) successfully before gradient(_:)") }
        let net = network
        let delayGradients = !(grads.delays.isEmpty && grads.axonalDelays.isEmpty)
        guard grads.weights.count == net.weights.count, grads.parameters.count == net.learnableTotal,
              !delayGradients || (grads.delays.count == net.synapses.count && grads.axonalDelays.count == net.neuronCount) else {
            throw EventaxError.invalid(field: "gradients", "are shaped for another network")
        }
        grads.inputs = inputShape.map { [Double](repeating: 0, count: $0) }
        try seedCotangent(cotangent)
        let ubar = UnsafeMutablePointer<Double>.allocate(capacity: max(net.stateTotal, 1))
        ubar.initialize(repeating: 0, count: max(net.stateTotal, 1))
        defer { ubar.deallocate() }
        // Per neuron: the running adjoint of its segment origin, its tape cursor and its next tap.
        // Raw buffers: the nested functions below mutate them without array uniqueness checks.
        let tRun = UnsafeMutablePointer<Double>.allocateFilled(0, count: net.neuronCount)
        let cursor = UnsafeMutablePointer<Int>.allocateFilled(0, count: net.neuronCount)
        let tapPtr = UnsafeMutablePointer<Int>.allocateFilled(0, count: net.neuronCount)
        // Adjoints of the input spikes (in `inputSpikes` order), copied into `grads.inputs` at the end.
        let inputTbar = UnsafeMutablePointer<Double>.allocateFilled(0, count: inputSpikes.count)
        defer { tRun.deallocate(); cursor.deallocate(); tapPtr.deallocate(); inputTbar.deallocate() }
        for n in 0..<net.neuronCount {
            let top = taps[n].last.map { Int($0.position) + 1 } ?? 0
            cursor[n] = min(tapes[n].count, max(runtime[n].specStart, top))
            tapPtr[n] = taps[n].count - 1
        }
        let obar = UnsafeMutablePointer<Double>.allocate(capacity: 64)
        defer { obar.deallocate() }

        net.parameters.withUnsafeBufferPointer { paramsBuf in
            net.weights.withUnsafeBufferPointer { weightsBuf in
                grads.weights.withUnsafeMutableBufferPointer { wbarBuf in
                    grads.parameters.withUnsafeMutableBufferPointer { pbarBuf in
                        let params = UnsafeMutablePointer(mutating: paramsBuf.baseAddress!)
                        let weights = UnsafeMutablePointer(mutating: weightsBuf.baseAddress ?? UnsafePointer(bitPattern: 8)!)
                        let wbar = wbarBuf.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!
                        let pbarBase = pbarBuf.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!

                        func context(_ n: Int) -> (Unmanaged<KernelOps>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) {
                            (opsOf[n], params + net.parameterOffset[n], ubar + net.stateOffset[n],
                             pbarBase + net.learnableOffset[n])
                        }

                        /// Applies the observation taps at positions ≥ r of neuron n.
                        func applyTaps(_ n: Int, downTo r: Int) {
                            guard tapPtr[n] >= 0 else { return }
                            let (um, p, ub, pb) = context(n)
                            let ops = um.takeUnretainedValue()
                            while tapPtr[n] >= 0 && Int(taps[n][tapPtr[n]].position) >= r {
                                let tap = taps[n][tapPtr[n]]
                                tapPtr[n] -= 1
                                let ct = cotangent.states?[Int(tap.output)][Int(tap.timeIndex)] ?? []
                                guard ct.contains(where: { $0 != 0 }) else { continue }
                                for c in 0..<ops.observableCount { obar[c] = c < ct.count ? ct[c] : 0 }
                                let taubar = tapStates.withUnsafeMutableBufferPointer { buf in
                                    ops.reverseObserve(buf.baseAddress! + tap.stateOffset, p, tap.tau, obar, ub, pb, scratch)
                                }
                                // τ = t_obs − t_k and t_k moves with the segment origin.
                                if Int(tap.position) < tapes[n].count { tRun[n] -= taubar }
                            }
                        }

                        /// Whether neuron n's state adjoint is zero: then reversing a step, jump or reset
                        /// of n adds nothing anywhere (every contribution is scaled by it) and is skipped.
                        func adjointIsZero(_ n: Int) -> Bool {
                            let ub = ubar + net.stateOffset[n]
                            for q in 0..<tapes[n].n where ub[q] != 0 { return false }
                            return true
                        }

                        /// Reverses one step record r of neuron n; returns h̄ (0 for spike steps).
                        func reverseStep(_ n: Int, _ r: Int, spike: Bool, tbar: Double) -> Double {
                            if !spike && adjointIsZero(n) { return 0 }
                            let (um, p, ub, pb) = context(n)
                            let nS = tapes[n].n, h = tapes[n].rec[r].h
                            let u = tapes[n].u + r * nS
                            return um._withUnsafeGuaranteedRef { ops in
                                ops.reverseStep(u, p, h, spike, tbar, ub, pb, scratch)
                            }
                        }

                        /// Moves neuron n's cursor down to record `target`, reversing the solver-chosen steps in between.
                        func retreat(_ n: Int, to target: Int) {
                            applyTaps(n, downTo: cursor[n])
                            while cursor[n] > target {
                                let r = cursor[n] - 1
                                let kind = tapes[n].rec[r].kind
                                let hbar = reverseStep(n, r, spike: false, tbar: 0)
                                if kind == .clippedConstant { tRun[n] -= hbar }
                                cursor[n] = r
                                applyTaps(n, downTo: r)
                            }
                        }

                        for entry in log.reversed() {
                            if entry >= 0 {
                                let d = deliveries[Int(entry)]
                                let n = Int(d.target), r = Int(d.record)
                                retreat(n, to: r + 1)
                                let (um, p, ub, pb) = context(n)
                                var Tbar = tRun[n]
                                tRun[n] = 0
                                let s = Int(d.synapse)
                                let nS = tapes[n].n
                                let uMinus = tapes[n].u + r * nS
                                if !adjointIsZero(n) {
                                    um._withUnsafeGuaranteedRef { ops in
                                        let w = net.weightIndex(ofSynapse: s)
                                        ops.reverseJump(uMinus, weights + w, p, ub, wbar + w, pb, scratch)
                                    }
                                }
                                cursor[n] = r
                                applyTaps(n, downTo: r)
                                if r > 0 && tapes[n].rec[r - 1].kind == .clipped {
                                    let hbar = reverseStep(n, r - 1, spike: false, tbar: 0)
                                    Tbar += hbar
                                    tRun[n] -= hbar
                                    cursor[n] = r - 1
                                    applyTaps(n, downTo: r - 1)
                                }
                                // T = t_source + max(0, d_s) (+ max(0, axonal d_m) for a neuron m): T̄ goes to
                                // the source time and to each delay not clamped (zero gradient below 0).
                                let src = Int(d.source)
                                if src >= 0 {
                                    spikes[src].tbar += Tbar
                                    let m = Int(spikes[src].neuron)
                                    if delayGradients && net.axonalDelays[m] >= 0 { grads.axonalDelays[m] += Tbar }
                                } else {
                                    inputTbar[-src - 1] += Tbar
                                }
                                if delayGradients && net.delays[s] >= 0 { grads.delays[s] += Tbar }
                            } else {
                                let sid = Int(-entry - 1)
                                let n = Int(spikes[sid].neuron), r = Int(spikes[sid].record)
                                retreat(n, to: r + 1)
                                let (um, p, ub, pb) = context(n)
                                let Tbar = spikes[sid].tbar + tRun[n]
                                tRun[n] = 0
                                let nS = tapes[n].n
                                let uMinus = tapes[n].u + r * nS
                                if !adjointIsZero(n) {
                                    um._withUnsafeGuaranteedRef { ops in
                                        ops.reverseReset(uMinus, p, ub, pb, scratch)
                                    }
                                }
                                cursor[n] = r
                                applyTaps(n, downTo: r)
                                tRun[n] += Tbar
                                // A spike located inside a step: the step's length comes from the
                                // condition's root (implicit function theorem). A spike at a jump that
                                // crossed the threshold has the delivery's time: T̄ goes to it alone.
                                if tapes[n].rec[r - 1].kind != .jump {
                                    _ = reverseStep(n, r - 1, spike: true, tbar: Tbar)
                                    cursor[n] = r - 1
                                    applyTaps(n, downTo: r - 1)
                                }
                            }
                        }
                        for n in 0..<net.neuronCount {
                            retreat(n, to: 0)
                            let (um, p, ub, pb) = context(n)
                            um.takeUnretainedValue().reverseInitial(p, ub, pb, scratch)
                        }
                    }
                }
            }
        }
        for (k, ins) in inputSpikes.enumerated() { grads.inputs[Int(ins.channel)][Int(ins.index)] = inputTbar[k] }
    }

    /// Puts the cotangent on spike times into the spike records and checks its shapes.
    func seedCotangent(_ ct: Cotangent) throws {
        for k in spikes.indices { spikes[k].tbar = 0 }
        let net = network
        var firstSpike = [Int](repeating: -1, count: net.neuronCount)
        var spikeIds = [[Int]](repeating: [], count: net.neuronCount)
        for (k, s) in spikes.enumerated() where s.reported {
            let n = Int(s.neuron)
            if firstSpike[n] < 0 { firstSpike[n] = k }
            spikeIds[n].append(k)
        }
        if let t = ct.ttfs {
            guard t.count == net.outputs.count else { throw EventaxError.invalid(field: "cotangent.ttfs", "has \(t.count) values, expected one per output (\(net.outputs.count))") }
            for (k, v) in t.enumerated() {
                guard v.isFinite else { throw EventaxError.invalid(field: "cotangent.ttfs[\(k)]", "must be finite, got \(v)") }
                let f = firstSpike[net.outputs[k]]
                if f >= 0 { spikes[f].tbar += v }
            }
        }
        if let s = ct.spikes {
            guard s.count == net.neuronCount else { throw EventaxError.invalid(field: "cotangent.spikes", "has \(s.count) lists, expected one per neuron (\(net.neuronCount))") }
            for (n, list) in s.enumerated() {
                guard list.count <= spikeIds[n].count else {
                    throw EventaxError.invalid(field: "cotangent.spikes[\(n)]", "has \(list.count) values but neuron \(n) spiked \(spikeIds[n].count) times")
                }
                for (k, v) in list.enumerated() {
                    guard v.isFinite else { throw EventaxError.invalid(field: "cotangent.spikes[\(n)][\(k)]", "must be finite, got \(v)") }
                    spikes[spikeIds[n][k]].tbar += v
                }
            }
        }
        if let st = ct.states {
            let times = lastRequest.observationTimes.count
            guard st.count == net.outputs.count else { throw EventaxError.invalid(field: "cotangent.states", "has \(st.count) entries, expected one per output (\(net.outputs.count))") }
            for (o, perTime) in st.enumerated() {
                guard perTime.count == times else { throw EventaxError.invalid(field: "cotangent.states[\(o)]", "has \(perTime.count) entries, expected one per observation time (\(times))") }
                let nObs = net.populations[Int(net.populationOf[net.outputs[o]])].ops.observableCount
                for (k, ch) in perTime.enumerated() {
                    guard ch.count == nObs else { throw EventaxError.invalid(field: "cotangent.states[\(o)][\(k)]", "has \(ch.count) channels, expected \(nObs)") }
                    for (c, v) in ch.enumerated() where !v.isFinite {
                        throw EventaxError.invalid(field: "cotangent.states[\(o)][\(k)][\(c)]", "must be finite, got \(v)")
                    }
                }
            }
        }
    }
}
