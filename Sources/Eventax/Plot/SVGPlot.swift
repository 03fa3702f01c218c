import Foundation

/// A minimal SVG line/scatter chart writer (no external tools).
public struct SVGChart {
    /// Chart title.
    public var title: String
    /// Axis labels.
    public var xLabel: String, yLabel: String
    /// Width and height in pixels.
    public var width = 640.0, height = 400.0
    var body = ""
    var xRange: ClosedRange<Double>, yRange: ClosedRange<Double>
    let margin = (left: 64.0, right: 20.0, top: 36.0, bottom: 48.0)

    /// A chart over the given data ranges (each widened slightly if degenerate).
    public init(title: String, xLabel: String, yLabel: String, x: ClosedRange<Double>, y: ClosedRange<Double>, width: Double = 640, height: Double = 400) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.width = width; self.height = height
        xRange = x.lowerBound == x.upperBound ? (x.lowerBound - 1)...(x.upperBound + 1) : x
        yRange = y.lowerBound == y.upperBound ? (y.lowerBound - 1)...(y.upperBound + 1) : y
    }

    func px(_ x: Double) -> Double { margin.left + (x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * (width - margin.left - margin.right) }
    func py(_ y: Double) -> Double { height - margin.bottom - (y - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) * (height - margin.top - margin.bottom) }
    static func esc(_ s: String) -> String { s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;") }
    static func f(_ v: Double) -> String { String(format: "%.2f", v) }

    /// Adds a polyline.
    public mutating func line(_ points: [(Double, Double)], color: String, label: String? = nil, width w: Double = 1.5) {
        guard !points.isEmpty else { return }
        let pts = points.map { "\(Self.f(px($0.0))),\(Self.f(py($0.1)))" }.joined(separator: " ")
        body += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(w)\" points=\"\(pts)\"/>\n"
        if let label { legend.append((label, color)) }
    }

    /// Adds dots (or crosses).
    public mutating func points(_ points: [(Double, Double)], color: String, radius: Double = 2.5, cross: Bool = false) {
        for (x, y) in points {
            let cx = Self.f(px(x)), cy = Self.f(py(y))
            if cross {
                let a = px(x), b = py(y), r = radius + 1
                body += "<path d=\"M\(Self.f(a - r)),\(Self.f(b - r))L\(Self.f(a + r)),\(Self.f(b + r))M\(Self.f(a - r)),\(Self.f(b + r))L\(Self.f(a + r)),\(Self.f(b - r))\" stroke=\"\(color)\" stroke-width=\"1.5\"/>\n"
            } else {
                body += "<circle cx=\"\(cx)\" cy=\"\(cy)\" r=\"\(radius)\" fill=\"\(color)\"/>\n"
            }
        }
    }

    /// Adds short vertical ticks (a spike raster row).
    public mutating func ticks(_ xs: [Double], row: Double, color: String) {
        for x in xs {
            body += "<line x1=\"\(Self.f(px(x)))\" x2=\"\(Self.f(px(x)))\" y1=\"\(Self.f(py(row - 0.4)))\" y2=\"\(Self.f(py(row + 0.4)))\" stroke=\"\(color)\" stroke-width=\"1.5\"/>\n"
        }
    }

    var legend: [(String, String)] = []

    /// Adds a legend entry without drawing.
    public mutating func legendEntry(_ label: String, color: String) { legend.append((label, color)) }

    /// The SVG document.
    public func render() -> String {
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        let x0 = margin.left, x1 = width - margin.right, y0 = margin.top, y1 = height - margin.bottom
        s += "<rect x=\"\(x0)\" y=\"\(y0)\" width=\"\(x1 - x0)\" height=\"\(y1 - y0)\" fill=\"none\" stroke=\"#333\"/>\n"
        for k in 0...4 {
            let fx = Double(k) / 4
            let xv = xRange.lowerBound + fx * (xRange.upperBound - xRange.lowerBound)
            let yv = yRange.lowerBound + fx * (yRange.upperBound - yRange.lowerBound)
            s += "<text x=\"\(Self.f(px(xv)))\" y=\"\(Self.f(y1 + 16))\" text-anchor=\"middle\">\(Self.tick(xv))</text>\n"
            s += "<text x=\"\(Self.f(x0 - 6))\" y=\"\(Self.f(py(yv) + 4))\" text-anchor=\"end\">\(Self.tick(yv))</text>\n"
            s += "<line x1=\"\(x0)\" x2=\"\(x1)\" y1=\"\(Self.f(py(yv)))\" y2=\"\(Self.f(py(yv)))\" stroke=\"#ddd\"/>\n"
        }
        s += "<g clip-path=\"url(#plot)\">\n<clipPath id=\"plot\"><rect x=\"\(x0)\" y=\"\(y0)\" width=\"\(x1 - x0)\" height=\"\(y1 - y0)\"/></clipPath>\n"
        s += body + "</g>\n"
        s += "<text x=\"\(Self.f(width / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">\(Self.esc(title))</text>\n"
        s += "<text x=\"\(Self.f((x0 + x1) / 2))\" y=\"\(Self.f(height - 10))\" text-anchor=\"middle\">\(Self.esc(xLabel))</text>\n"
        s += "<text transform=\"translate(16,\(Self.f((y0 + y1) / 2))) rotate(-90)\" text-anchor=\"middle\">\(Self.esc(yLabel))</text>\n"
        for (k, (label, color)) in legend.enumerated() {
            let ly = y0 + 14 + Double(k) * 16
            s += "<rect x=\"\(Self.f(x1 - 150))\" y=\"\(Self.f(ly - 9))\" width=\"10\" height=\"10\" fill=\"\(color)\"/>"
            s += "<text x=\"\(Self.f(x1 - 135))\" y=\"\(Self.f(ly))\">\(Self.esc(label))</text>\n"
        }
        return s + "</svg>\n"
    }

    static func tick(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e6 { return String(Int(v)) }
        return String(format: abs(v) < 0.01 || abs(v) >= 1e4 ? "%.2g" : "%.2f", v)
    }
}
