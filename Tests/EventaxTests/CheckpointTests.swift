import Testing
import Foundation
@testable import Eventax

@Suite struct CheckpointFileTests {
    /// A checkpoint after two epochs of two AdamW steps each, as JSON text.
    static let twoEpochCheckpoint: String = {
        var c = TrainingConfig()
        c.hidden = 4; c.trainSubset = 20; c.batchSize = 10; c.evalSubset = 20; c.epochs = 2
        let trainer = try! Trainer(config: c, threads: 1)
        let state = try! trainer.epoch(trainer.epoch(trainer.initialCheckpoint()))
        return String(decoding: try! JSONEncoder().encode(state), as: UTF8.self)
    }()

    /// Changes of a valid checkpoint's JSON that `eventax train` could not have written, and the
    /// field (with what is said about it) that the error must name.
    static let corruptions: [(String, (inout [String: Any]) -> Void, String)] = [
        ("m truncated", { o in var opt = o["optimizer"] as! [String: Any]; opt["m"] = Array((opt["m"] as! [Double]).prefix(10)); o["optimizer"] = opt },
         "optimizer.m: has 10 values, expected"),
        ("v empty", { o in var opt = o["optimizer"] as! [String: Any]; opt["v"] = [Double](); o["optimizer"] = opt }, "optimizer.v: has 0 values, expected"),
        ("negative second moment", { o in var opt = o["optimizer"] as! [String: Any]; var v = opt["v"] as! [Double]; v[3] = -1; opt["v"] = v; o["optimizer"] = opt },
         "optimizer.v[3]: must be ≥ 0, got -1.0"),
        ("negative count", { o in var opt = o["optimizer"] as! [String: Any]; opt["count"] = -5; o["optimizer"] = opt }, "optimizer.count: must be ≥ 0, got -5"),
        ("b1 ≥ 1", { o in var opt = o["optimizer"] as! [String: Any]; opt["b1"] = 2; o["optimizer"] = opt }, "optimizer.b1: must be in [0, 1), got 2.0"),
        ("other lr", { o in var opt = o["optimizer"] as! [String: Any]; opt["lr"] = 0.01; o["optimizer"] = opt }, "optimizer.lr: is 0.01, but the configuration's learning rate is 0.005"),
        ("future version", { o in o["version"] = 3 }, "version: this build reads checkpoint version 2, got 3"),
        ("epochs without history", { o in o["epochsDone"] = 5 }, "history: has 2 records, expected one per completed epoch (epochsDone = 5)"),
        ("negative epochs", { o in o["epochsDone"] = -1 }, "epochsDone: must be ≥ 0, got -1"),
        ("renumbered history", { o in var h = o["history"] as! [[String: Any]]; h[1]["epoch"] = 7; o["history"] = h }, "history[1].epoch: expected 2, got 7"),
        ("best epoch out of range", { o in o["bestEpoch"] = 7 }, "bestEpoch: is 7, but the history's first epoch with the highest validation accuracy is"),
        ("best accuracy not in the history", { o in o["bestValidationAccuracy"] = 0.123 }, "bestValidationAccuracy: is 0.123, but epoch"),
        ("bestTrainables truncated", { o in o["bestTrainables"] = Array((o["bestTrainables"] as! [Double]).prefix(5)) }, "bestTrainables: has 5 values, trainables has"),
        ("negative wall time", { o in o["wallSeconds"] = -3 }, "wallSeconds: must be ≥ 0, got -3.0"),
        ("config missing", { o in o["config"] = nil }, "config: missing"),
        ("mistyped field", { o in var c = o["config"] as! [String: Any]; c["hidden"] = "four"; o["config"] = c }, "config.hidden: expected Int"),
        ("mistyped history entry", { o in var h = o["history"] as! [[String: Any]]; h[1]["seconds"] = NSNull(); o["history"] = h }, "history[1].seconds: expected Double, got null"),
        ("training longer than its epoch", { o in var h = o["history"] as! [[String: Any]]; h[0]["trainSeconds"] = (h[0]["seconds"] as! Double) + 1; o["history"] = h },
         "history[0].trainSeconds: must be in [0, seconds = "),
    ]

    @Test("A failed atomic write names the path and the system's reason, and leaves no temporary file")
    func failedWriteNamesTheReason() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("eventax-write-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        let path = dir.appendingPathComponent("checkpoint.json").path
        #expect(throws: EventaxError.io(path: path, "could not write: No such file or directory")) { try writeAtomically(Data("{}".utf8), to: path) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try writeAtomically(Data("{}".utf8), to: path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["checkpoint.json"])
        let folder = dir.appendingPathComponent("a-folder")  // the rename onto a non-empty folder fails
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("inside"), withIntermediateDirectories: true)
        #expect(throws: EventaxError.io(path: folder.path, "could not replace the file: Is a directory")) { try writeAtomically(Data("{}".utf8), to: folder.path) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["a-folder", "checkpoint.json"])
    }

    @Test("A checkpoint that `eventax train` could not have written is refused with an error naming the file, the field and the value",
          arguments: corruptions.indices)
    func corruptCheckpointsAreRefused(case index: Int) throws {
        let (name, corrupt, message) = Self.corruptions[index]
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("eventax-corrupt-\(getpid())-\(index).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var object = try JSONSerialization.jsonObject(with: Data(Self.twoEpochCheckpoint.utf8)) as! [String: Any]
        try writeAtomically(JSONSerialization.data(withJSONObject: object), to: path)
        let valid = try TrainingCheckpoint.load(path)  // the unchanged checkpoint is accepted
        #expect(valid.epochsDone == 2 && valid.optimizer.count == 4 && valid.optimizer.m.count == valid.trainables.count)
        corrupt(&object)
        try writeAtomically(JSONSerialization.data(withJSONObject: object), to: path)
        do {
            _ = try TrainingCheckpoint.load(path)
            Issue.record("\(name): the checkpoint was accepted")
        } catch {
            let text = "\(error)"
            #expect(text.hasPrefix("\(path): not a valid training checkpoint: "), "\(name): \(text)")
            #expect(text.contains(message), "\(name): \(text)")
        }
    }

    @Test("A missing checkpoint, or a folder in its place, is refused with an error that says which")
    func missingCheckpointIsNamed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("eventax-no-ckpt-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("checkpoint.json").path
        #expect(throws: EventaxError.io(path: missing, "no such file")) { try TrainingCheckpoint.load(missing) }
        #expect(throws: EventaxError.io(path: dir.path, "is a directory, expected a training checkpoint (checkpoint.json)")) {
            try TrainingCheckpoint.load(dir.path)
        }
    }

    @Test("A training checkpoint loads as a network file (its best-validation network)")
    func checkpointLoadsInRun() throws {
        var c = TrainingConfig()
        c.hidden = 4; c.trainSubset = 20; c.batchSize = 10; c.epochs = 1
        let trainer = try Trainer(config: c, threads: 1)
        let state = try trainer.epoch(trainer.initialCheckpoint())
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("eventax-ckpt-\(getpid()).json").path
        try writeAtomically(JSONEncoder().encode(state), to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try NetworkFile(contentsOf: path)
        #expect(file.network.weights + file.network.parameters == (try trainer.network(with: state.bestTrainables)).weights + (try trainer.network(with: state.bestTrainables)).parameters)
        #expect(file.layerSizes == [4, 3])
    }

    @Test("An MNIST checkpoint loads as a network without its data directory")
    func mnistCheckpointLoadsWithoutData() throws {
        var c = TrainingConfig.mnist(data: "/nonexistent-mnist-directory")
        c.hidden = 3; c.delayLimit = 1
        let template = try Classifier.initialNetwork(c)
        let layout = TrainableLayout(config: c, template: template)
        var t = layout.trainables(of: template)
        t[0] += 0.25; t[t.count - 1] = 0.5  // a trained weight and a trained delay
        let state = TrainingCheckpoint(config: c, epochsDone: 1, trainables: t, optimizer: AdamW(lr: 0.005), bestEpoch: 1,
                                       bestValidationAccuracy: 0.5, bestTrainables: t,
                                       history: [EpochRecord(epoch: 1, trainLoss: 1, trainAccuracy: 0.5, validationLoss: 1, validationAccuracy: 0.5, seconds: 1)],
                                       wallSeconds: 1)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("eventax-mnist-ckpt-\(getpid()).json").path
        try writeAtomically(JSONEncoder().encode(state), to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try NetworkFile(contentsOf: path)
        #expect(file.layerSizes == [3, 10] && file.network.inputCount == 784)
        #expect(layout.trainables(of: file.network) == t)
        #expect(throws: EventaxError.self) { _ = try Trainer(config: c, threads: 1) }  // training does need the data
    }

    @Test("Checkpoints of networks that are not layered (multi-compartment, recurrent XOR) load as general files; their gradients have the file's shapes", arguments: ["multicompartment", "xor"])
    func nonLayeredCheckpointLoads(setup: String) throws {
        var c = setup == "xor" ? TrainingConfig.xor() : TrainingConfig()
        if setup == "multicompartment" { c.neuron = "multicompartment"; c.dendrites = 2 } else { c.hidden = 5 }
        c.trainSubset = 10; c.evalSubset = 10
        let trainer = try Trainer(config: c, threads: 1)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("eventax-ckpt-\(setup)-\(getpid()).json").path
        try writeAtomically(JSONEncoder().encode(trainer.initialCheckpoint()), to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try NetworkFile(contentsOf: path)
        #expect(file.format == .general)
        #expect(file.network.weights == trainer.template.weights && file.network.neuronCount == trainer.template.neuronCount)
        let input = setup == "xor" ? trainer.data.train.input(0) : YinYangTask.encode(YinYang.generate(.test)[0])
        let sim = Simulator(network: file.network)
        let r = try sim.run(input, readout: ReadoutRequest(observationTimes: [c.tmax / 2]))
        let g = try sim.gradient(Cotangent(ttfs: r.ttfs.map { $0 == nil ? 0 : 1 }, states: r.states.map { $0.map { $0.map { _ in 1 } } }))
        guard case .object(let o) = try file.gradientsJSON(g), case .array(let blocks)? = o["weights"] else {
            Issue.record("expected gradients.weights as one entry per connection"); return
        }
        #expect(blocks.count == (setup == "xor" ? 3 : 2 - (c.loss == .ttfs ? 1 : 0)))
    }
}
