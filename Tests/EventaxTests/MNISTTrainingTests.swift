import Foundation
import Testing
@testable import Eventax

/// Writes a small MNIST-shaped data set of three stroke patterns (labels 0, 1, 2) as raw IDX files.
private func writeToyMNIST(to dir: URL, train: Int, test: Int) throws {
    func header(_ magic: UInt8, _ dims: [Int]) -> [UInt8] {
        var h: [UInt8] = [0, 0, 0x08, magic]
        for d in dims { h += [UInt8(d >> 24 & 255), UInt8(d >> 16 & 255), UInt8(d >> 8 & 255), UInt8(d & 255)] }
        return h
    }
    var rng = TestRNG(99)
    func images(_ n: Int) -> ([UInt8], [UInt8]) {
        var px: [UInt8] = [], labels: [UInt8] = []
        for k in 0..<n {
            let label = k % 3
            var img = [UInt8](repeating: 0, count: 784)
            let offset = Int(rng.uniform(4, 9))
            for a in 2..<26 {
                for w in 0..<6 {  // strokes 6 pixels wide: ~140 spiking pixels, as in MNIST
                    let (r, c) = label == 0 ? (offset + w, a) : label == 1 ? (a, offset + w) : (a, min(27, a + w))
                    img[r * 28 + c] = UInt8(80 + Int(rng.uniform(0, 175)))
                }
            }
            px += img; labels.append(UInt8(label))
        }
        return (px, labels)
    }
    let (trX, trY) = images(train), (teX, teY) = images(test)
    try Data(header(3, [train, 28, 28]) + trX).write(to: dir.appendingPathComponent("train-images-idx3-ubyte"))
    try Data(header(1, [train]) + trY).write(to: dir.appendingPathComponent("train-labels-idx1-ubyte"))
    try Data(header(3, [test, 28, 28]) + teX).write(to: dir.appendingPathComponent("t10k-images-idx3-ubyte"))
    try Data(header(1, [test]) + teY).write(to: dir.appendingPathComponent("t10k-labels-idx1-ubyte"))
}

@Suite struct MNISTTrainingTests {
    @Test("MNIST task: 784-H-10 LIF with exp-integral readout learns a toy IDX data set")
    func learnsToy() throws {
        let dir = temporaryFolder("eventax-mnist")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try writeToyMNIST(to: dir, train: 180, test: 45)
        var c = TrainingConfig.mnist(data: dir.path)
        c.validationSize = 45; c.hidden = 24; c.batchSize = 27; c.epochs = 2; c.seed = 2; c.lr = 0.01
        c.solver = "euler"; c.rtol = nil; c.dt = 0.25
        let trainer = try Trainer(config: c, threads: 2)
        #expect(trainer.data.train.count == 135 && trainer.data.validation.count == 45 && trainer.data.test.count == 45)
        #expect(trainer.template.inputCount == 784 && trainer.template.outputs.count == 10)
        var s = trainer.initialCheckpoint()
        let before = try trainer.evaluate(trainer.template, on: trainer.data.validation)
        for _ in 0..<c.epochs { s = try trainer.epoch(s) }
        #expect(s.history.last!.validationLoss < before.loss)
        #expect(s.bestValidationAccuracy > 0.8, "best validation \(s.bestValidationAccuracy), initial \(before.accuracy)")
        let summary = try trainer.summary(s)
        #expect(summary.test.accuracy > 0.8)
    }

    @Test(CLITests.needsBinary)
    func resumeFromMovedData() throws {
        // `--resume` continues with more epochs from a moved data directory, and refuses other options.
        let root = temporaryFolder("eventax-resume")
        let data = root.appendingPathComponent("data"), moved = root.appendingPathComponent("moved"), out = root.appendingPathComponent("run")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try writeToyMNIST(to: data, train: 90, test: 30)
        let common = ["--validation-size", "30", "--hidden", "12", "--batch-size", "30", "--solver", "euler", "--rtol", "0", "--dt", "0.25",
                      "--threads", "1", "--out", out.path]
        let first = try CLITests.runBinary(["train", "mnist", "--data", data.path, "--epochs", "1"] + common)
        #expect(first.status == 0, "stderr: \(first.stderr)")
        try FileManager.default.moveItem(at: data, to: moved)
        let refused = try CLITests.runBinary(["train", "mnist", "--data", moved.path, "--epochs", "2", "--lr", "0.01", "--resume"] + common)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("the checkpoint was made with other options: lr none (this run: 0.01); "), "stderr: \(refused.stderr)")
        let fewer = try CLITests.runBinary(["train", "mnist", "--data", moved.path, "--epochs", "1", "--resume"] + common)
        #expect(fewer.status == 0 && fewer.stdout.contains("resuming after epoch 1"), "stderr: \(fewer.stderr)")  // nothing left: the summary again
        let resumed = try CLITests.runBinary(["train", "mnist", "--data", moved.path, "--epochs", "2", "--resume"] + common)
        #expect(resumed.status == 0, "stderr: \(resumed.stderr)")
        #expect(resumed.stdout.contains("resuming after epoch 1"), "stdout: \(resumed.stdout)")
        let csv = try String(contentsOf: out.appendingPathComponent("metrics.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 3, "metrics.csv: \(csv)")

        // The checkpoint records the resumed run's epochs and data directory. `eventax evaluate`
        // and `eventax plot` take a directory moved since with --data; without it they name the
        // recorded directory and the option.
        let again = root.appendingPathComponent("again"), checkpoint = out.appendingPathComponent("checkpoint.json").path
        try FileManager.default.moveItem(at: moved, to: again)
        let recorded = try TrainingCheckpoint.load(checkpoint)
        #expect(recorded.config.epochs == 2 && recorded.config.data == moved.path)
        for command in [["evaluate", checkpoint, "--threads", "1"], ["plot", out.path]] {
            let lost = try CLITests.runBinary(command)
            #expect(lost.status == 1 && lost.stderr == "error: \(checkpoint): the run's MNIST directory \(moved.path) does not exist (relative paths start from the current folder); pass --data DIR\n",
                    "\(command): \(lost.stderr)")
            // A directory at the recorded path without the files is named with the missing files.
            try FileManager.default.createDirectory(at: moved, withIntermediateDirectories: true)
            try Data().write(to: moved.appendingPathComponent("t10k-labels-idx1-ubyte.gz"))
            let empty = try CLITests.runBinary(command)
            try FileManager.default.removeItem(at: moved)
            #expect(empty.status == 1 && empty.stderr == "error: \(checkpoint): the run's MNIST directory \(moved.path) lacks train-images-idx3-ubyte, "
                        + "train-labels-idx1-ubyte, t10k-images-idx3-ubyte (raw or .gz); pass --data DIR\n", "\(command): \(empty.stderr)")
            let found = try CLITests.runBinary(command + ["--data", again.path])
            #expect(found.status == 0, "\(command): \(found.stderr)")
        }
        let evaluated = try CLITests.runBinary(["evaluate", checkpoint, "--threads", "1", "--data", again.path])
        let summary = try JSONDecoder().decode(TrainingSummary.self, from: Data(evaluated.stdout.utf8))
        #expect(summary.epochs == 2 && summary.config.epochs == 2 && summary.config.data == again.path)
        let tooFew = try CLITests.runBinary(["train", "mnist", "--data", again.path, "--epochs", "1", "--resume"] + common)
        #expect(tooFew.status == 1 && tooFew.stderr.hasPrefix("error: --epochs: 1 is fewer than the 2 epochs the checkpoint has done"), "stderr: \(tooFew.stderr)")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("raster.svg").path))
    }

    @Test("MNIST task: a missing data directory or file is a clear error")
    func missingData() throws {
        var c = TrainingConfig.mnist(data: nil)
        #expect(throws: EventaxError.self) { try c.validate() }
        c.data = "/nonexistent-eventax-dir"
        do { _ = try Trainer(config: c, threads: 1); Issue.record("expected an error") } catch {
            #expect("\(error)".contains("train-images-idx3-ubyte"), "\(error)")
        }
    }
}
