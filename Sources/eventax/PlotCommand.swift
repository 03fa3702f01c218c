import ArgumentParser
import Eventax
import Foundation

/// `eventax plot DIR`: SVG figures of a training run (the decision map for Yin-Yang only).
struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write SVG figures of a training run: curves.svg, raster.svg, voltages.svg, and decision-map.svg for Yin-Yang.")

    @Argument(help: ArgumentHelp("A training output folder (with checkpoint.json).", valueName: "DIR"))
    var dir: String

    @Option(parsing: .unconditional, help: "Index of the test sample for the raster and voltage traces.") var sample = 0
    @Option(help: "MNIST runs: the directory with the four IDX files, if not the one the run was trained with.") var data: String?

    func run() throws {
        try reportingErrors {
            let path = dir + "/checkpoint.json"
            let state = try loadCheckpoint(path, data: data)
            let colors = ["#1f77b4", "#d62728", "#2ca02c"]
            let palette = colors + ["#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#ff7f0e"]

            // Curves.
            let h = state.history
            var curves = SVGChart(title: "Training", xLabel: "epoch", yLabel: "loss / accuracy",
                                  x: 1...Double(max(2, h.count)), y: 0...max(1, (h.map(\.trainLoss) + h.map(\.validationLoss)).max() ?? 1))
            curves.line(h.map { (Double($0.epoch), $0.trainLoss) }, color: colors[0], label: "train loss")
            curves.line(h.map { (Double($0.epoch), $0.validationLoss) }, color: colors[2], label: "validation loss")
            curves.line(h.map { (Double($0.epoch), $0.validationAccuracy) }, color: colors[1], label: "validation accuracy")
            try writeAtomically(Data(curves.render().utf8), to: dir + "/curves.svg")

            let (trainer, net) = try withFileContext(path) { try state.bestNetwork(threads: 2) }
            let tmax = net.tmax
            let testSet = trainer.data.test
            guard (0..<testSet.count).contains(sample) else { throw CLIError(description: "--sample: must be in 0..<\(testSet.count), got \(sample)") }
            let input = testSet.input(sample), label = testSet.label(sample)

            // Raster and traces of one sample.
            let grid = stride(from: 0.0, through: tmax, by: tmax / 300).map { $0 }
            let r = try Simulator(network: net).run(input, readout: ReadoutRequest(observationTimes: grid))
            var raster = SVGChart(title: "Spikes of test sample \(sample) (label \(label))", xLabel: "time (ms)", yLabel: "neuron",
                                  x: 0...tmax, y: -1...Double(net.neuronCount + net.inputCount))
            for (c, times) in input.enumerated() { raster.ticks(times, row: Double(c), color: "#888") }
            for (n, times) in r.spikes.enumerated() {
                let isOut = net.outputs.contains(n)
                raster.ticks(times, row: Double(net.inputCount + n), color: isOut ? colors[1] : colors[0])
            }
            raster.legendEntry("inputs", color: "#888"); raster.legendEntry("hidden", color: colors[0]); raster.legendEntry("outputs", color: colors[1])
            try writeAtomically(Data(raster.render().utf8), to: dir + "/raster.svg")
            let traces = r.states.map { perTime in perTime.map { $0[0] } }
            let finite = traces.flatMap { $0 }.filter { $0.isFinite }
            let lo = max(finite.min() ?? -1, -20.0), hi = min(finite.max() ?? 1, 20.0)
            var volt = SVGChart(title: "Output observable 0 (v), test sample \(sample)", xLabel: "time (ms)", yLabel: "v", x: 0...tmax, y: lo...hi)
            for (o, tr) in traces.enumerated() {
                volt.line(zip(grid, tr).map { ($0, min(max($1, lo), hi)) }, color: palette[o % palette.count], label: "output \(o)")
            }
            try writeAtomically(Data(volt.render().utf8), to: dir + "/voltages.svg")

            guard state.config.task == "yinyang" else {
                print("wrote \(dir)/curves.svg, raster.svg, voltages.svg")
                return
            }
            // Decision map.
            let test = YinYang.generate(.test)
            let results = try BatchEvaluator(network: net).forward(test.map(YinYangTask.encode), readout: Classifier.readout(state.config))
            var map = SVGChart(title: "Test set: predicted class (× misclassified)", xLabel: "x", yLabel: "y", x: 0...1, y: 0...1, width: 520, height: 520)
            var wrong = 0
            for (s, res) in zip(test, results) {
                let pred = Classifier.evaluate(res, label: s.label, config: state.config).prediction
                map.points([(s.x, s.y)], color: colors[pred], radius: 3, cross: pred != s.label)
                if pred != s.label { wrong += 1 }
            }
            for k in 0..<3 { map.legendEntry(["yin (0)", "yang (1)", "dot (2)"][k], color: colors[k]) }
            try writeAtomically(Data(map.render().utf8), to: dir + "/decision-map.svg")
            print("wrote \(dir)/curves.svg, raster.svg, voltages.svg, decision-map.svg (test accuracy \(String(format: "%.2f", 100 * Double(test.count - wrong) / Double(test.count)))%)")
        }
    }
}
