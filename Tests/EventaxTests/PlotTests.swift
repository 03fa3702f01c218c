import Testing
import Foundation
@testable import Eventax

@Suite struct PlotTests {
    @Test("SVG charts are well-formed XML with the drawn elements")
    func svg() throws {
        var c = SVGChart(title: "a < b & c", xLabel: "x", yLabel: "y", x: 0...10, y: 0...1)
        c.line([(0, 0), (10, 1)], color: "#000", label: "l")
        c.points([(5, 0.5)], color: "#f00", cross: true)
        c.ticks([1, 2], row: 0.5, color: "#00f")
        let s = c.render()
        #expect(s.hasPrefix("<svg"))
        #expect(s.contains("<polyline") && s.contains("<path") && s.contains("a &lt; b &amp; c"))
        #expect(s.components(separatedBy: "<svg").count == 2 && s.hasSuffix("</svg>\n"))
    }
}
