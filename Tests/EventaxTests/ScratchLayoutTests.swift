import Testing
@testable import Eventax

/// The kernels' scratch layouts (`ScratchLayout.swift`): each hands out its arrays in order,
/// aligned, and within the bytes it asks for, from any start address; a kernel's regions fit in
/// its scratch and the two that are live together do not overlap.
@Suite("Scratch layouts")
struct ScratchLayoutTests {
    /// Offsets of the arrays of a ``StepScratch`` of `E` from `start`.
    func stepOffsets<E>(_ l: StepScratch<E>, from start: UnsafeMutableRawPointer) -> [Int] {
        [l.k, l.tmp, l.u, l.out, l.err, l.p, l.w, l.o].map { UnsafeMutableRawPointer($0) - start } + [l.end - start]
    }

    /// ``StepScratch`` of Double and of two dual-number widths, for 1, 3, 4 and 7 stages, 1, 2, 3
    /// and 7 states, 0 and 5 parameters, 0 and 2 weights, 0 and 3 observables, from every start
    /// address modulo 64: the stages start 64-byte aligned, the arrays follow each other with
    /// their sizes, and the layout ends within the bytes ``scratchByteCount(_:)`` measures for it.
    @Test("Step scratch layout: ordered, aligned, and within the byte count it requests")
    func stepScratchLayout() {
        func check<E>(_: E.Type) {
            let e = MemoryLayout<E>.stride
            for s in [1, 3, 4, 7] {
                for n in [1, 2, 3, 7] {
                    for (params, weights, obs) in [(0, 0, 0), (5, 0, 0), (0, 2, 3), (5, 2, 3)] {
                        let bytes = scratchByteCount {
                            StepScratch<E>($0, stages: s, states: n, parameters: params, weights: weights, observables: obs).end
                        }
                        let buffer = UnsafeMutableRawPointer.allocate(byteCount: bytes + 64, alignment: 64)
                        defer { buffer.deallocate() }
                        for offset in 0..<64 {
                            let start = buffer + offset
                            let l = StepScratch<E>(start, stages: s, states: n, parameters: params, weights: weights, observables: obs)
                            let at = stepOffsets(l, from: start)
                            #expect(Int(bitPattern: UnsafeMutableRawPointer(l.k)) % 64 == 0 && at[0] >= 0 && at[0] < 64)
                            let sizes = [s * n, n, n, n, n, params, weights, obs]
                            for (i, size) in sizes.enumerated() {
                                #expect(at[i + 1] == at[i] + size * e, "array \(i) of \(E.self), s \(s), n \(n)")
                            }
                            #expect(at[8] <= bytes)
                        }
                    }
                }
            }
        }
        check(Double.self)
        check(Dual<SIMD2<Double>>.self)
        check(Dual<SIMD8<Double>>.self)
    }

    /// The regions of a ``ModelKernel``'s scratch, for every built-in tableau (constant and
    /// adaptive steps) and models of 2 to 4 states, from every start address modulo 64: the root
    /// finder's dual layout ends before the forward layout begins (root finding runs while a
    /// step's stages must survive), and the forward, reverse and lockstep layouts end within
    /// ``ModelKernel/scratchBytes``; the recorded reverse layout ends within
    /// ``RecordingKernel/scratchBytes``.
    @Test("Kernel scratch regions fit and the root finder's does not overlap the forward one")
    func kernelRegions() {
        func check<M: NeuronModel>(_ model: M) {
            let learnable = UnsafeMutableBufferPointer<Int>.allocate(capacity: model.parameters.count)
            defer { learnable.deallocate() }
            for i in learnable.indices { learnable[i] = i }
            for name in ButcherTableau.builtInNames {
                let tableau = ButcherTableau.named(name)!
                for adaptive in tableau.bError == nil ? [false] : [false, true] {
                    let solver = SolverConfig(tableau: tableau, dt: 0.05, adaptive: adaptive ? AdaptiveConfig(rtol: 1e-6, atol: 1e-8) : nil)
                    let data = TableauData(tableau)
                    defer { data.deallocate() }
                    let k = ModelKernel<M, SIMD16<Double>>(model: model, solver: solver, tableau: data,
                                                            learnable: UnsafeBufferPointer(learnable))
                    let r = RecordingKernel<M>(model: model, solver: solver, tableau: data, learnable: UnsafeBufferPointer(learnable))
                    let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(k.scratchBytes, r.scratchBytes) + 64, alignment: 64)
                    defer { buffer.deallocate() }
                    for offset in 0..<64 {
                        let start = buffer + offset, limit = start + k.scratchBytes
                        let root = k.rootScratch(start), forward = k.forwardScratch(start)
                        #expect(root.end <= UnsafeMutableRawPointer(forward.k), "\(M.self), \(name)")
                        #expect(forward.end <= limit && k.reverseScratch(start, of: Dual<SIMD16<Double>>.self).end <= limit,
                                "\(M.self), \(name)")
                        #expect(k.lockstepScratch(start).end <= limit, "\(M.self), \(name)")
                        #expect(r.base.reverseScratch(start, of: Recorded.self).end <= start + r.scratchBytes, "\(M.self), \(name)")
                    }
                }
            }
        }
        check(LIF())
        check(QIF())
        check(EGRU())
        check(ALIF())
    }

    /// The lockstep's scratch layout, for tableaus of 1, 3, 4 and 7 stages, 1, 2, 3 and 7 states
    /// and 0, 1 and 5 parameters, from every start address modulo 64: its arrays come in order without overlap,
    /// the four-lane block starts 64-byte aligned, and the layout ends within the bytes
    /// ``scratchByteCount(_:)`` measures for it.
    @Test("Lockstep scratch layout: ordered, aligned, and within the byte count it requests")
    func lockstepScratchLayout() {
        for s in [1, 3, 4, 7] {
            for n in [1, 2, 3, 7] {
                for params in [0, 1, 5] {
                    let bytes = scratchByteCount { LockstepScratch($0, stages: s, states: n, parameters: params).end }
                    let buffer = UnsafeMutableRawPointer.allocate(byteCount: bytes + 64, alignment: 64)
                    defer { buffer.deallocate() }
                    for offset in 0..<64 {
                        let start = buffer + offset
                        let l = LockstepScratch(start, stages: s, states: n, parameters: params)
                        func at(_ p: UnsafeMutableRawPointer) -> Int { p - start }
                        func at<T>(_ p: UnsafeMutablePointer<T>) -> Int { UnsafeMutableRawPointer(p) - start }
                        let lanes = MemoryLayout<Lanes4>.stride, d = MemoryLayout<Double>.stride
                        #expect(Int(bitPattern: UnsafeMutableRawPointer(l.k)) % 64 == 0 && at(l.k) >= 0 && at(l.k) < 64)
                        #expect(at(l.tmp) == at(l.k) + s * n * lanes && at(l.u) == at(l.tmp) + n * lanes)
                        #expect(at(l.out) == at(l.u) + n * lanes && at(l.err) == at(l.out) + n * lanes)
                        #expect(at(l.p) == at(l.err) + n * lanes && at(l.outLane) == at(l.p) + params * lanes)
                        #expect(at(l.errLane) == at(l.outLane) + n * d && at(l.hs) == at(l.errLane) + n * d)
                        #expect(at(l.ends) == at(l.hs) + 4 * d && at(l.kinds) == at(l.ends) + 4 * d)
                        #expect(at(l.end) == at(l.kinds) + 4 && at(l.end) <= bytes)
                    }
                }
            }
        }
    }}
