import Foundation
import Testing
@testable import Eventax

@Suite struct YinYangTests {
    /// Reference CSVs written by the official numpy implementation:
    /// `<package root>/../shared/data/yinyang`, where the package root is three levels above this
    /// file (Tests/EventaxTests/YinYangTests.swift).
    static let referenceDirectory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Tests/EventaxTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("../shared/data/yinyang")
        .standardizedFileURL

    static var referenceAvailable: Bool {
        FileManager.default.fileExists(atPath: referenceDirectory.path)
    }

    // The reference data lives outside the package; when it is missing (e.g. the package was
    // checked out on its own) this test is skipped with the message below instead of failing.
    @Test(
        .enabled(
            if: YinYangTests.referenceAvailable,
            "Yin-Yang reference CSVs not found at ../shared/data/yinyang relative to the package root; skipping bit-exact comparison"
        ),
        arguments: YinYangSplit.allCases
    )
    func matchesReferenceCSV(split: YinYangSplit) throws {
        let url = Self.referenceDirectory.appendingPathComponent("\(split.rawValue).csv")
        let text = try String(contentsOf: url, encoding: .utf8)
        var lines = text.split(whereSeparator: { $0.isNewline })
        let header = lines.removeFirst()
        #expect(header == "x,y,1-x,1-y,label")

        let generated = YinYang.generate(split)
        try #require(lines.count == generated.count)

        var mismatches = 0
        var firstMismatch: String?
        for (row, (line, sample)) in zip(lines, generated).enumerated() {
            let fields = line.split(separator: ",")
            let values = fields.prefix(4).compactMap { Double($0) }
            let label = fields.count == 5 ? Int(fields[4]) : nil
            if values != sample.features || label != sample.label {
                mismatches += 1
                if firstMismatch == nil {
                    firstMismatch = "row \(row): csv \(line) vs generated \(sample.features) label \(sample.label)"
                }
            }
        }
        #expect(mismatches == 0, "\(split.rawValue): \(mismatches) rows differ; first: \(firstMismatch ?? "-")")
    }

    @Test(arguments: YinYangSplit.allCases)
    func splitShapeAndGeometry(split: YinYangSplit) {
        let samples = YinYang.generate(split)
        #expect(samples.count == split.size)

        var counts = [0, 0, 0]
        var outside = 0
        for s in samples {
            counts[s.label] += 1
            let dx = s.x - YinYang.rBig, dy = s.y - YinYang.rBig
            if (dx * dx + dy * dy).squareRoot() > YinYang.rBig { outside += 1 }
            #expect(s.label == YinYang.classify(x: s.x, y: s.y))
            #expect(s.features == [s.x, s.y, 1 - s.x, 1 - s.y])
        }
        #expect(outside == 0)
        // Goal classes are drawn uniformly, so each class should hold roughly a third.
        for count in counts {
            #expect(abs(Double(count) / Double(samples.count) - 1.0 / 3.0) < 0.05, "class counts \(counts)")
        }
    }

    @Test func mersenneTwisterKnownOutputs() {
        // Well-known first outputs of MT19937 with the reference default seed 5489
        // (also std::mt19937 and numpy RandomState(5489)).
        var mt = MersenneTwister(seed: 5489)
        #expect(mt.next32() == 3_499_211_612)
        #expect(mt.next32() == 581_869_302)
        #expect(mt.next32() == 3_890_346_734)
    }
}
