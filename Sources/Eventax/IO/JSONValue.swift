import Foundation

// MARK: - Values

/// A JSON value: what the file formats of Eventax (networks, inputs, cotangents, results) are made of.
///
/// Parse text with ``parse(_:source:)-(String,_)``, read a file with ``read(contentsOf:)``, and
/// walk the result with ``JSONNode``, whose accessors throw ``EventaxError/invalid(field:_:)`` naming
/// the path of the offending value (e.g. `weights[0][2][1]`). Write with ``serialized()``.
public enum JSONValue: Equatable, Sendable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number. The writer prints non-finite numbers as `null`.
    case number(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object; its members keep their order.
    case object(JSONObject)
}

/// The members of a JSON object, in insertion order, with unique keys.
public struct JSONObject: Equatable, Sendable, ExpressibleByDictionaryLiteral {
    /// The keys, in order.
    public private(set) var keys: [String] = []
    private var values: [String: JSONValue] = [:]

    /// An empty object.
    public init() {}

    /// An object with these members, in this order; a later duplicate key replaces the earlier value.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        for (k, v) in elements { self[k] = v }
    }

    /// The value of member `key`, or `nil`. Setting `nil` removes the member; setting a new key appends it.
    public subscript(key: String) -> JSONValue? {
        get { values[key] }
        set {
            if let newValue {
                if values.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if values.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    /// Number of members.
    public var count: Int { keys.count }

    /// The members, in order.
    public var members: [(key: String, value: JSONValue)] { keys.map { ($0, values[$0]!) } }

    /// Whether member `key` exists.
    public func contains(_ key: String) -> Bool { values[key] != nil }

    /// Objects are equal when they have the same members, in any order (as in JSON).
    public static func == (l: JSONObject, r: JSONObject) -> Bool { l.values == r.values }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByFloatLiteral,
    ExpressibleByIntegerLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    /// `null`.
    public init(nilLiteral: ()) { self = .null }
    /// A boolean.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// A number.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// A number.
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    /// A string.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An array.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// An object with these members, in order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        var o = JSONObject()
        for (k, v) in elements { o[k] = v }
        self = .object(o)
    }

    /// A number, or `null` for `nil` and non-finite values.
    public init(_ value: Double?) {
        if let value, value.isFinite { self = .number(value) } else { self = .null }
    }
    /// An array of numbers (non-finite ones become `null`).
    public init(_ values: [Double]) { self = .array(values.map { JSONValue($0) }) }
    /// An array of numbers or `null`s.
    public init(_ values: [Double?]) { self = .array(values.map { JSONValue($0) }) }
    /// A matrix of numbers.
    public init(_ values: [[Double]]) { self = .array(values.map { JSONValue($0) }) }
    /// A three-dimensional array of numbers.
    public init(_ values: [[[Double]]]) { self = .array(values.map { JSONValue($0) }) }

    /// A short description of the value for error messages: `"abc"`, `12.5`, `true`, `null`,
    /// `an array of 3 values`, `an object`.
    public var summary: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let d): return formatNumber(d)
        case .string(let s):
            let cut = s.count > 40 ? String(s.prefix(40)) + "…" : s
            return JSONValue.string(cut).serialized()
        case .array(let a): return a.isEmpty ? "an empty array" : "an array of \(a.count) value\(a.count == 1 ? "" : "s")"
        case .object(let o): return o.count == 0 ? "an empty object" : "an object"
        }
    }
}

/// A number for messages: integral values without a fraction (`-1`, `30`), others in shortest round-trip form.
func formatNumber(_ d: Double) -> String {
    if d.isFinite, d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
    return d.description
}

// MARK: - Writing

extension JSONValue {
    /// Compact JSON text. Numbers are written in Swift's shortest round-trip form (`30.0`, `0.1`,
    /// `1e-05`), so parsing the text gives back exactly the same `Double`s; NaN and ±∞ are written
    /// as `null`. Object members keep their order.
    public func serialized() -> String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let d): out += d.isFinite ? d.description : "null"
        case .string(let s): JSONValue.writeString(s, to: &out)
        case .array(let a):
            out += "["
            for (k, v) in a.enumerated() {
                if k > 0 { out += "," }
                v.write(to: &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            for (k, key) in o.keys.enumerated() {
                if k > 0 { out += "," }
                JSONValue.writeString(key, to: &out)
                out += ":"
                o[key]!.write(to: &out)
            }
            out += "}"
        }
    }

    private static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}

// MARK: - Parsing

extension JSONValue {
    /// Parses JSON text. Malformed text throws `EventaxError.invalid(field: source, "malformed JSON: …")`
    /// with the line and column; a number too large for a `Double` throws naming its path.
    public static func parse(_ text: String, source: String) throws -> JSONValue {
        try parse(Array(text.utf8), source: source)
    }

    /// Parses JSON from UTF-8 bytes (a leading byte-order mark is skipped). See ``parse(_:source:)-(String,_)``.
    public static func parse(_ bytes: [UInt8], source: String) throws -> JSONValue {
        var parser = JSONParser(bytes: bytes, source: source)
        return try parser.parseDocument()
    }

    /// Reads and parses a JSON file. A missing or unreadable file throws ``EventaxError/io(path:_:)``;
    /// malformed JSON throws `EventaxError.invalid(field: path, "malformed JSON: …")`.
    public static func read(contentsOf path: String) throws -> JSONValue {
        try parse(readFileBytes(path), source: path)
    }
}

/// The bytes of a file, or an ``EventaxError/io(path:_:)`` saying why they cannot be read
/// (`kind` names what was expected there when `path` is a directory).
func readFileBytes(_ path: String, kind: String = "a JSON file") throws -> [UInt8] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw EventaxError.io(path: path, "no such file")
    }
    guard !isDirectory.boolValue else { throw EventaxError.io(path: path, "is a directory, expected \(kind)") }
    do {
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    } catch {
        throw EventaxError.io(path: path, "cannot read the file: \(systemReason(error))")
    }
}

/// A recursive-descent JSON parser over UTF-8 bytes (RFC 8259, strict: no comments, no trailing
/// commas, no duplicate keys, no NaN/Infinity literals).
struct JSONParser {
    let bytes: [UInt8]
    let source: String
    var pos = 0
    /// Path of the value being parsed, for out-of-range numbers.
    var path: [PathComponent] = []
    static let maxDepth = 512

    enum PathComponent {
        case key(String)
        case index(Int)
    }

    init(bytes: [UInt8], source: String) {
        self.bytes = bytes
        self.source = source
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { pos = 3 }
    }

    mutating func parseDocument() throws -> JSONValue {
        skipWhitespace()
        guard pos < bytes.count else { throw malformed("the input is empty", at: pos) }
        let v = try parseValue(depth: 0)
        skipWhitespace()
        guard pos == bytes.count else { throw malformed("unexpected \(describeByte(at: pos)) after the JSON value", at: pos) }
        return v
    }

    // MARK: errors

    func malformed(_ message: String, at p: Int) -> EventaxError {
        var line = 1, column = 1
        var k = 0
        while k < min(p, bytes.count) {
            if bytes[k] == UInt8(ascii: "\n") { line += 1; column = 1 } else if bytes[k] & 0xC0 != 0x80 { column += 1 }
            k += 1
        }
        return EventaxError.invalid(field: source, "malformed JSON: \(message) at line \(line), column \(column)")
    }

    func describeByte(at p: Int) -> String {
        guard p < bytes.count else { return "end of input" }
        let b = bytes[p]
        if b >= 0x21 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        if b < 0x80 { return "character 0x\(String(b, radix: 16, uppercase: true))" }
        return "non-ASCII text"
    }

    static func pathString(_ components: [PathComponent]) -> String {
        var s = ""
        for c in components {
            switch c {
            case .key(let k): s = JSONNode.childPath(s, key: k)
            case .index(let i): s += "[\(i)]"
            }
        }
        return s
    }

    // MARK: grammar

    mutating func skipWhitespace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x09, 0x0A, 0x0D: pos += 1
            default: return
            }
        }
    }

    mutating func expectLiteral(_ word: String, _ value: JSONValue) throws -> JSONValue {
        let start = pos
        for b in word.utf8 {
            guard pos < bytes.count, bytes[pos] == b else { throw malformed("invalid literal (expected \(word))", at: start) }
            pos += 1
        }
        return value
    }

    mutating func parseValue(depth: Int) throws -> JSONValue {
        guard pos < bytes.count else { throw malformed("unexpected end of input, expected a value", at: pos) }
        switch bytes[pos] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try expectLiteral("true", .bool(true))
        case UInt8(ascii: "f"): return try expectLiteral("false", .bool(false))
        case UInt8(ascii: "n"): return try expectLiteral("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        case UInt8(ascii: "N"), UInt8(ascii: "I"):
            throw malformed("NaN and Infinity are not JSON numbers", at: pos)
        default:
            throw malformed("unexpected \(describeByte(at: pos)), expected a value", at: pos)
        }
    }

    mutating func parseObject(depth: Int) throws -> JSONValue {
        guard depth <= JSONParser.maxDepth else { throw malformed("nesting deeper than \(JSONParser.maxDepth) levels", at: pos) }
        pos += 1
        var obj = JSONObject()
        skipWhitespace()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(obj) }
        while true {
            skipWhitespace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else {
                throw malformed("unexpected \(describeByte(at: pos)), expected a string key", at: pos)
            }
            let keyStart = pos
            let key = try parseString()
            guard !obj.contains(key) else { throw malformed("duplicate key \(JSONValue.string(key).serialized())", at: keyStart) }
            skipWhitespace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else {
                throw malformed("unexpected \(describeByte(at: pos)), expected ':' after a key", at: pos)
            }
            pos += 1
            skipWhitespace()
            path.append(.key(key))
            obj[key] = try parseValue(depth: depth)
            path.removeLast()
            skipWhitespace()
            guard pos < bytes.count else { throw malformed("unexpected end of input, expected ',' or '}'", at: pos) }
            if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
            if bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(obj) }
            throw malformed("unexpected \(describeByte(at: pos)), expected ',' or '}'", at: pos)
        }
    }

    mutating func parseArray(depth: Int) throws -> JSONValue {
        guard depth <= JSONParser.maxDepth else { throw malformed("nesting deeper than \(JSONParser.maxDepth) levels", at: pos) }
        pos += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
        while true {
            skipWhitespace()
            path.append(.index(items.count))
            items.append(try parseValue(depth: depth))
            path.removeLast()
            skipWhitespace()
            guard pos < bytes.count else { throw malformed("unexpected end of input, expected ',' or ']'", at: pos) }
            if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
            if bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
            throw malformed("unexpected \(describeByte(at: pos)), expected ',' or ']'", at: pos)
        }
    }

    mutating func parseNumber() throws -> JSONValue {
        let start = pos
        func digits() -> Int {
            let s = pos
            while pos < bytes.count, bytes[pos] >= UInt8(ascii: "0"), bytes[pos] <= UInt8(ascii: "9") { pos += 1 }
            return pos - s
        }
        if bytes[pos] == UInt8(ascii: "-") { pos += 1 }
        guard pos < bytes.count, bytes[pos] >= UInt8(ascii: "0"), bytes[pos] <= UInt8(ascii: "9") else {
            throw malformed("invalid number (expected a digit after '-')", at: start)
        }
        if bytes[pos] == UInt8(ascii: "0") {
            pos += 1
            if pos < bytes.count, bytes[pos] >= UInt8(ascii: "0"), bytes[pos] <= UInt8(ascii: "9") {
                throw malformed("invalid number (leading zeros are not allowed)", at: start)
            }
        } else {
            _ = digits()
        }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: ".") {
            pos += 1
            guard digits() > 0 else { throw malformed("invalid number (expected a digit after '.')", at: start) }
        }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E") {
            pos += 1
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") { pos += 1 }
            guard digits() > 0 else { throw malformed("invalid number (expected a digit in the exponent)", at: start) }
        }
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        guard let d = Double(text) else { throw malformed("invalid number \(text)", at: start) }
        guard d.isFinite else {
            let field = JSONParser.pathString(path)
            throw EventaxError.invalid(field: field.isEmpty ? source : field, "must be a finite number, got \(text) (too large for a Double)")
        }
        return .number(d)
    }

    mutating func parseHex4() throws -> UInt32 {
        guard pos + 4 <= bytes.count else { throw malformed("unexpected end of input in a \\u escape", at: pos) }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[pos]
            let d: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
            default: throw malformed("invalid \\u escape (expected 4 hex digits)", at: pos)
            }
            v = v << 4 | UInt32(d)
            pos += 1
        }
        return v
    }

    mutating func parseString() throws -> String {
        let open = pos
        pos += 1
        var buffer: [UInt8] = []
        var segment = pos
        while true {
            guard pos < bytes.count else { throw malformed("unterminated string", at: open) }
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") {
                buffer += bytes[segment..<pos]
                pos += 1
                break
            }
            if b < 0x20 { throw malformed("unescaped control character in a string", at: pos) }
            if b != UInt8(ascii: "\\") { pos += 1; continue }
            buffer += bytes[segment..<pos]
            pos += 1
            guard pos < bytes.count else { throw malformed("unterminated string", at: open) }
            let e = bytes[pos]
            pos += 1
            switch e {
            case UInt8(ascii: "\""): buffer.append(0x22)
            case UInt8(ascii: "\\"): buffer.append(0x5C)
            case UInt8(ascii: "/"): buffer.append(0x2F)
            case UInt8(ascii: "b"): buffer.append(0x08)
            case UInt8(ascii: "f"): buffer.append(0x0C)
            case UInt8(ascii: "n"): buffer.append(0x0A)
            case UInt8(ascii: "r"): buffer.append(0x0D)
            case UInt8(ascii: "t"): buffer.append(0x09)
            case UInt8(ascii: "u"):
                let escapeStart = pos - 2
                var code = try parseHex4()
                if code >= 0xD800 && code < 0xDC00 {
                    guard pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") else {
                        throw malformed("unpaired surrogate in a \\u escape", at: escapeStart)
                    }
                    pos += 2
                    let low = try parseHex4()
                    guard low >= 0xDC00 && low < 0xE000 else { throw malformed("unpaired surrogate in a \\u escape", at: escapeStart) }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                } else if code >= 0xDC00 && code < 0xE000 {
                    throw malformed("unpaired surrogate in a \\u escape", at: escapeStart)
                }
                guard let scalar = Unicode.Scalar(code) else { throw malformed("invalid \\u escape", at: escapeStart) }
                buffer += Array(String(Character(scalar)).utf8)
            default:
                throw malformed("invalid escape '\\\(Character(Unicode.Scalar(e)))' in a string", at: pos - 2)
            }
            segment = pos
        }
        guard let s = String(validating: buffer, as: UTF8.self) else { throw malformed("invalid UTF-8 in a string", at: open) }
        return s
    }
}

// MARK: - Path-tracking access

/// A JSON value together with its path in the document (`""` for the root, then `neuron.tmem`,
/// `weights[0][2][1]`, …). Its accessors check the value's type and throw
/// ``EventaxError/invalid(field:_:)`` naming the path, what was expected and what was found.
public struct JSONNode: Sendable {
    /// The value.
    public let value: JSONValue
    /// The path of the value in its document (empty for the root).
    public let path: String

    /// A node for `value` at `path` (the root of a document by default).
    public init(_ value: JSONValue, path: String = "") {
        self.value = value
        self.path = path
    }

    /// The path of member `key` of an object at `parent`: `parent.key`, or `parent["odd key"]` for
    /// keys that are not identifiers.
    public static func childPath(_ parent: String, key: String) -> String {
        let simple = !key.isEmpty && key.unicodeScalars.allSatisfy {
            ($0 >= "a" && $0 <= "z") || ($0 >= "A" && $0 <= "Z") || ($0 >= "0" && $0 <= "9") || $0 == "_"
        }
        if !simple { return parent + "[" + JSONValue.string(key).serialized() + "]" }
        return parent.isEmpty ? key : parent + "." + key
    }

    /// The field name used in errors about this node itself (`"document"` for an unnamed root).
    var field: String { path.isEmpty ? "document" : path }

    /// An error naming this node.
    public func error(_ message: String) -> EventaxError { EventaxError.invalid(field: field, message) }

    func typeError(_ expected: String) -> EventaxError { error("expected \(expected), got \(value.summary)") }

    /// The node at member `key` (an error if this is not an object or the member is missing).
    public func required(_ key: String) throws -> JSONNode {
        let o = try object()
        guard let v = o[key] else {
            throw EventaxError.invalid(field: JSONNode.childPath(path, key: key), "is missing (a required key)")
        }
        return JSONNode(v, path: JSONNode.childPath(path, key: key))
    }

    /// The node at member `key`, or `nil` if it is missing or `null` (an error if this is not an object).
    public func optional(_ key: String) throws -> JSONNode? {
        let o = try object()
        guard let v = o[key], v != .null else { return nil }
        return JSONNode(v, path: JSONNode.childPath(path, key: key))
    }

    /// Throws naming the first member whose key is not in `allowed`.
    public func rejectUnknownKeys(allowed: [String]) throws {
        let o = try object()
        for key in o.keys where !allowed.contains(key) {
            throw EventaxError.invalid(field: JSONNode.childPath(path, key: key), "unknown key (allowed keys: \(allowed.joined(separator: ", ")))")
        }
    }

    /// The object (an error for any other value).
    public func object() throws -> JSONObject {
        guard case .object(let o) = value else { throw typeError("an object") }
        return o
    }

    /// The members of the object as nodes, in order.
    public func members() throws -> [(key: String, node: JSONNode)] {
        try object().members.map { ($0.key, JSONNode($0.value, path: JSONNode.childPath(path, key: $0.key))) }
    }

    /// The elements of the array as nodes (an error for any other value).
    public func array() throws -> [JSONNode] {
        guard case .array(let a) = value else { throw typeError("an array") }
        return a.enumerated().map { JSONNode($1, path: "\(path)[\($0)]") }
    }

    /// The elements of the array, which must number exactly `count`.
    public func array(count: Int) throws -> [JSONNode] {
        let a = try array()
        guard a.count == count else { throw error("has \(a.count) \(a.count == 1 ? "entry" : "entries"), expected \(count)") }
        return a
    }

    /// The value as a finite number.
    public func number() throws -> Double {
        guard case .number(let d) = value else { throw typeError("a number") }
        guard d.isFinite else { throw error("must be a finite number, got \(d)") }
        return d
    }

    /// The value as an integer (a number without a fractional part) in `range`.
    public func integer(in range: ClosedRange<Int> = Int.min...Int.max) throws -> Int {
        guard case .number(let d) = value else { throw typeError("an integer") }
        guard d.isFinite, d == d.rounded(), abs(d) < 9.0e15 else { throw typeError("an integer") }
        let i = Int(d)
        guard range.contains(i) else {
            if range.upperBound == Int.max { throw error("must be an integer ≥ \(range.lowerBound), got \(i)") }
            throw error("must be an integer in \(range.lowerBound)...\(range.upperBound), got \(i)")
        }
        return i
    }

    /// The value as a string.
    public func string() throws -> String {
        guard case .string(let s) = value else { throw typeError("a string") }
        return s
    }

    /// The value as a boolean.
    public func bool() throws -> Bool {
        guard case .bool(let b) = value else { throw typeError("true or false") }
        return b
    }

    /// The value as an array of finite numbers.
    public func numbers() throws -> [Double] { try array().map { try $0.number() } }

    /// The value as an array of exactly `count` finite numbers.
    public func numbers(count: Int) throws -> [Double] {
        try array(count: count).map { try $0.number() }
    }

    /// The value as an array of arrays of finite numbers (rows may differ in length).
    public func numberMatrix() throws -> [[Double]] { try array().map { try $0.numbers() } }

    /// The value as a three-level nested array of finite numbers.
    public func numberTensor() throws -> [[[Double]]] { try array().map { try $0.numberMatrix() } }

    /// The value as an array of strings.
    public func strings() throws -> [String] { try array().map { try $0.string() } }
}
