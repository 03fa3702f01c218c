import Foundation

// A pure-Swift gzip (RFC 1952) reader on top of a DEFLATE (RFC 1951) decompressor.
//
// Design notes:
// - The input is read through a 64-bit little-endian bit buffer that is refilled eight bytes at a
//   time; one refill always leaves at least 56 bits, enough for a whole length/distance pair
//   (15 + 5 + 15 + 13 bits), so the hot loop refills once per symbol.
// - Huffman codes are decoded with a 10-bit lookup table (one probe for every code of at most
//   10 bits, which covers nearly all symbols) and a canonical bit-by-bit fallback for longer codes.
// - Output goes into one manually managed buffer sized from the gzip ISIZE field, so there are no
//   per-byte array appends.
// - Every read is bounds-checked: bytes past the end of the input read as zeros and are counted, and
//   consuming one of them is reported as truncated input. Malformed input throws, it never traps.

/// gzip (RFC 1952) decompression of a single-member `.gz` file.
///
/// Supports stored, fixed-Huffman and dynamic-Huffman DEFLATE blocks, skips the optional header
/// fields (FEXTRA, FNAME, FCOMMENT, and FHCRC, whose header CRC is verified), and checks the CRC-32
/// and ISIZE of the trailer. Files with several concatenated gzip members are rejected with a clear
/// error. Errors are `EventaxError.io(path:_:)` naming the path and the byte offset of the problem.
public enum Gzip {
    /// Whether `bytes` start with the gzip magic number `1f 8b`.
    public static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Decompresses the gzip file contents `bytes`; `path` names the file in error messages.
    public static func decompress(_ bytes: [UInt8], path: String = "<memory>") throws -> [UInt8] {
        try bytes.withUnsafeBufferPointer { try decompress($0, path: path) }
    }

    /// Decompresses gzip data held in `input`; `path` names the file in error messages.
    static func decompress(_ input: UnsafeBufferPointer<UInt8>, path: String) throws -> [UInt8] {
        func fail(_ message: String) -> EventaxError { .io(path: path, "corrupt gzip data: \(message)") }
        let n = input.count
        guard n >= 18 else {
            throw fail("file is \(n) bytes, shorter than the 18-byte minimum of a gzip header and trailer")
        }
        guard input[0] == 0x1F, input[1] == 0x8B else {
            throw fail("bad magic bytes \(hex(input[0], 2)) \(hex(input[1], 2)) at byte 0 (expected 1f 8b)")
        }
        guard input[2] == 8 else { throw fail("unsupported compression method \(input[2]) at byte 2 (only 8, deflate, exists)") }
        let flags = input[3]
        guard flags & 0xE0 == 0 else { throw fail("reserved header flag bits set (FLG = 0x\(hex(flags, 2))) at byte 3") }
        var pos = 10
        if flags & 0x04 != 0 { // FEXTRA: 2-byte little-endian length, then that many bytes
            guard pos + 2 <= n else { throw fail("header truncated in the FEXTRA length at byte \(pos)") }
            let xlen = Int(input[pos]) | Int(input[pos + 1]) << 8
            pos += 2
            guard pos + xlen <= n else { throw fail("header truncated: FEXTRA field of \(xlen) bytes at byte \(pos) runs past the end of the file") }
            pos += xlen
        }
        for (bit, name) in [(UInt8(0x08), "FNAME"), (UInt8(0x10), "FCOMMENT")] where flags & bit != 0 {
            let start = pos
            while pos < n && input[pos] != 0 { pos += 1 }
            guard pos < n else { throw fail("header truncated: the \(name) string starting at byte \(start) has no terminating zero byte") }
            pos += 1
        }
        if flags & 0x02 != 0 { // FHCRC: low 16 bits of the CRC-32 of the header so far
            guard pos + 2 <= n else { throw fail("header truncated in the FHCRC field at byte \(pos)") }
            let stored = UInt16(input[pos]) | UInt16(input[pos + 1]) << 8
            let actual = UInt16(truncatingIfNeeded: CRC32.checksum(UnsafeBufferPointer(rebasing: input[0..<pos])))
            guard stored == actual else {
                throw fail("header CRC (FHCRC) mismatch at byte \(pos): stored 0x\(hex(stored, 4)), computed 0x\(hex(actual, 4))")
            }
            pos += 2
        }
        guard pos + 8 <= n else { throw fail("file ends at byte \(n) inside the header or before any compressed data") }
        let isize = UInt32(input[n - 4]) | UInt32(input[n - 3]) << 8 | UInt32(input[n - 2]) << 16 | UInt32(input[n - 1]) << 24
        // DEFLATE cannot expand data by more than ~1032:1, so a damaged ISIZE cannot make us reserve
        // absurd amounts of memory.
        let capacity = min(Int(isize), (n - pos) * 1040 + 1024)
        var inflater = Inflater(input: input, start: pos, path: path, capacity: capacity)
        defer { inflater.output.release() }
        try inflater.run()
        let crcPos = inflater.alignedBytePosition()
        guard crcPos + 8 <= n else {
            throw fail("file truncated: the 8-byte trailer (CRC-32 and ISIZE) should start at byte \(crcPos) but the file has \(n) bytes")
        }
        let storedCRC = UInt32(input[crcPos]) | UInt32(input[crcPos + 1]) << 8 | UInt32(input[crcPos + 2]) << 16 | UInt32(input[crcPos + 3]) << 24
        let storedSize = UInt32(input[crcPos + 4]) | UInt32(input[crcPos + 5]) << 8 | UInt32(input[crcPos + 6]) << 16 | UInt32(input[crcPos + 7]) << 24
        let out = UnsafeBufferPointer(start: inflater.output.base, count: inflater.output.count)
        let actualCRC = CRC32.checksum(out)
        guard storedCRC == actualCRC else {
            throw fail("CRC-32 mismatch in the trailer at byte \(crcPos): stored 0x\(hex(storedCRC, 8)), computed 0x\(hex(actualCRC, 8)) over \(out.count) decompressed bytes")
        }
        guard storedSize == UInt32(truncatingIfNeeded: out.count) else {
            throw fail("ISIZE mismatch in the trailer at byte \(crcPos + 4): stored \(storedSize), decompressed \(out.count) bytes")
        }
        let rest = crcPos + 8
        if rest < n {
            if rest + 1 < n && input[rest] == 0x1F && input[rest + 1] == 0x8B {
                throw fail("a second gzip member starts at byte \(rest); concatenated gzip members are not supported")
            }
            if input[rest..<n].contains(where: { $0 != 0 }) {
                throw fail("\(n - rest) unexpected bytes after the gzip trailer at byte \(rest)")
            }
        }
        return Array(out)
    }
}

/// `value` in lower-case hexadecimal, zero-padded to `width` digits.
fileprivate func hex<T: BinaryInteger>(_ value: T, _ width: Int) -> String {
    let s = String(value, radix: 16)
    return String(repeating: "0", count: max(0, width - s.count)) + s
}

/// CRC-32 (ISO-HDLC, polynomial 0xEDB88320 reflected), as used by gzip and zlib; slicing-by-8.
enum CRC32 {
    /// Eight 256-entry tables for slicing-by-8, flattened.
    static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            t[i] = c
        }
        for i in 0..<256 {
            var c = t[i]
            for k in 1..<8 {
                c = t[Int(c & 0xFF)] ^ (c >> 8)
                t[k * 256 + i] = c
            }
        }
        return t
    }()

    /// The CRC-32 of `bytes`, continuing from `crc` (0 for a fresh checksum).
    static func checksum(_ bytes: UnsafeBufferPointer<UInt8>, continuing crc: UInt32 = 0) -> UInt32 {
        guard var p = bytes.baseAddress else { return crc }
        var c = ~crc
        var remaining = bytes.count
        tables.withUnsafeBufferPointer { tb in
            let t = tb.baseAddress!
            while remaining >= 8 {
                let lo = c ^ (UInt32(p[0]) | UInt32(p[1]) << 8 | UInt32(p[2]) << 16 | UInt32(p[3]) << 24)
                let hi = UInt32(p[4]) | UInt32(p[5]) << 8 | UInt32(p[6]) << 16 | UInt32(p[7]) << 24
                c = t[7 * 256 + Int(lo & 0xFF)] ^ t[6 * 256 + Int((lo >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((lo >> 16) & 0xFF)] ^ t[4 * 256 + Int(lo >> 24)]
                    ^ t[3 * 256 + Int(hi & 0xFF)] ^ t[2 * 256 + Int((hi >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((hi >> 16) & 0xFF)] ^ t[Int(hi >> 24)]
                p += 8
                remaining -= 8
            }
            while remaining > 0 {
                c = t[Int((c ^ UInt32(p[0])) & 0xFF)] ^ (c >> 8)
                p += 1
                remaining -= 1
            }
        }
        return ~c
    }

    /// The CRC-32 of `bytes`.
    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { checksum($0) }
    }
}

/// A growable byte buffer with manual memory management (released by its owner).
struct InflateOutput {
    private(set) var base: UnsafeMutablePointer<UInt8>
    var count = 0
    private(set) var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 1024)
        base = .allocate(capacity: self.capacity)
    }

    /// Makes room for `extra` more bytes.
    @inline(__always) mutating func reserve(_ extra: Int) {
        if count + extra > capacity { grow(count + extra) }
    }

    private mutating func grow(_ needed: Int) {
        var newCapacity = capacity
        while newCapacity < needed { newCapacity *= 2 }
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        p.update(from: base, count: count)
        base.deallocate()
        base = p
        capacity = newCapacity
    }

    func release() { base.deallocate() }
}

/// A canonical Huffman code with a 10-bit lookup table and a bit-by-bit fallback.
struct InflateHuffmanCode {
    static let fastBits = 10
    static let fastMask: UInt64 = 0x3FF
    /// Indexed by the next `fastBits` input bits: `symbol << 4 | length`, or 0 when the code is
    /// longer than `fastBits` (or the bits match no code) and the slow path must decide.
    var fast = [UInt16](repeating: 0, count: 1 << fastBits)
    /// Number of codes of each length 0...15.
    var counts = [Int](repeating: 0, count: 16)
    /// Symbols ordered by (code length, symbol value): canonical order.
    var symbols: [UInt16]

    /// Builds the code from per-symbol code lengths (0 = unused); throws for an invalid set of lengths.
    init(lengths: ArraySlice<UInt8>, allowIncompleteSingle: Bool) throws(InflateCodeError) {
        symbols = [UInt16](repeating: 0, count: lengths.count)
        for l in lengths { counts[Int(l)] += 1 }
        counts[0] = 0
        var left = 1
        var used = 0
        for len in 1...15 {
            left <<= 1
            left -= counts[len]
            used += counts[len]
            if left < 0 { throw .init(message: "over-subscribed code lengths") }
        }
        if left > 0 && used > 0 {
            // Incomplete codes are only legal for a single code of length 1 (RFC 1951 §3.2.7, and zlib).
            if !(allowIncompleteSingle && used == 1 && counts[1] == 1) {
                throw .init(message: "incomplete set of code lengths")
            }
        }
        var offsets = [Int](repeating: 0, count: 17)
        for len in 1...15 { offsets[len + 1] = offsets[len] + counts[len] }
        // Canonical codes (RFC 1951 §3.2.2): the first code of length len is
        // (first code of length len-1 + number of codes of length len-1) << 1.
        var nextCode = [Int](repeating: 0, count: 16)
        var code = 0
        for len in 1...15 {
            nextCode[len] = code
            code = (code + counts[len]) << 1
        }
        var sym = 0
        for l in lengths {
            let len = Int(l)
            if len != 0 {
                symbols[offsets[len]] = UInt16(sym)
                offsets[len] += 1
                let c = nextCode[len]
                nextCode[len] += 1
                if len <= Self.fastBits {
                    var rev = 0
                    for b in 0..<len where c & (1 << b) != 0 { rev |= 1 << (len - 1 - b) }
                    let entry = UInt16(sym << 4 | len)
                    var i = rev
                    while i < (1 << Self.fastBits) {
                        fast[i] = entry
                        i += 1 << len
                    }
                }
            }
            sym += 1
        }
    }
}

/// A code-construction failure.
struct InflateCodeError: Error { var message: String }

/// Fixed Huffman codes of RFC 1951 §3.2.6, built once.
enum InflateFixedCodes {
    static let literalLength: InflateHuffmanCode = {
        var lengths = [UInt8](repeating: 8, count: 288)
        for i in 144..<256 { lengths[i] = 9 }
        for i in 256..<280 { lengths[i] = 7 }
        return try! InflateHuffmanCode(lengths: lengths[...], allowIncompleteSingle: false)
    }()
    // 30 distance codes of length 5 (codes 30 and 31 are never valid in compressed data), built
    // from all 32 so the code is complete.
    static let distance: InflateHuffmanCode = try! InflateHuffmanCode(lengths: [UInt8](repeating: 5, count: 32)[...], allowIncompleteSingle: false)
}

/// The DEFLATE decoder state.
struct Inflater {
    /// Length symbols 257...285: base length | extra bits << 16.
    static let lengthTable: [UInt32] = zip([3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59,
                                            67, 83, 99, 115, 131, 163, 195, 227, 258] as [UInt32],
                                           [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0] as [UInt32])
        .map { $0 | $1 << 16 }
    /// Distance symbols 0...29: base distance | extra bits << 16.
    static let distanceTable: [UInt32] = zip([1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769,
                                              1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577] as [UInt32],
                                             [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13] as [UInt32])
        .map { $0 | $1 << 16 }
    static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    let input: UnsafeBufferPointer<UInt8>
    let path: String
    /// Next input byte to load into the bit buffer.
    var pos: Int
    /// Bit buffer: the next `bits` input bits, least significant first.
    var buffer: UInt64 = 0
    var bits = 0
    /// Zero bytes loaded past the end of the input.
    var overrun = 0
    var output: InflateOutput

    init(input: UnsafeBufferPointer<UInt8>, start: Int, path: String, capacity: Int) {
        self.input = input
        self.path = path
        pos = start
        output = InflateOutput(capacity: capacity)
    }

    /// Byte offset in the file of the byte holding the next unread bit, for messages.
    var bytePosition: Int { min(input.count, ((pos + overrun) * 8 - bits) / 8) }

    func error(_ message: String) -> EventaxError {
        .io(path: path, "corrupt gzip data: \(message) at byte \(bytePosition)")
    }

    func truncated() -> EventaxError {
        .io(path: path, "corrupt gzip data: compressed data truncated (the file ends at byte \(input.count) inside a DEFLATE block)")
    }

    /// Fills the bit buffer to at least 56 bits (with zero bytes past the end of the input).
    @inline(__always) mutating func refill() {
        if bits > 56 { return }
        if pos + 8 <= input.count {
            let word = UInt64(littleEndian: UnsafeRawPointer(input.baseAddress! + pos).loadUnaligned(as: UInt64.self))
            buffer |= word << UInt64(bits)
            let added = (63 - bits) >> 3
            pos += added
            bits += added << 3
        } else {
            while bits <= 56 {
                if pos < input.count {
                    buffer |= UInt64(input[pos]) << UInt64(bits)
                    pos += 1
                } else {
                    overrun += 1
                }
                bits += 8
            }
        }
    }

    /// Whether bits past the end of the input have been consumed.
    @inline(__always) var overran: Bool { overrun != 0 && overrun * 8 > bits }

    @inline(__always) mutating func consume(_ n: Int) {
        buffer >>= UInt64(n)
        bits -= n
    }

    /// Reads `n` ≤ 32 bits (after a refill, at least 56 are buffered).
    @inline(__always) mutating func take(_ n: Int) -> Int {
        let v = Int(truncatingIfNeeded: buffer & ((1 << UInt64(n)) - 1))
        consume(n)
        return v
    }

    /// Reads `n` ≤ 32 bits, refilling first.
    mutating func read(_ n: Int) throws -> Int {
        refill()
        let v = take(n)
        if overran { throw truncated() }
        return v
    }

    /// Decodes one symbol; the buffer must hold at least 15 bits.
    @inline(__always) mutating func decode(_ code: InflateHuffmanCode, fast: UnsafePointer<UInt16>) throws -> Int {
        let e = fast[Int(truncatingIfNeeded: buffer & InflateHuffmanCode.fastMask)]
        if e != 0 {
            consume(Int(e & 15))
            return Int(e >> 4)
        }
        return try decodeSlow(code)
    }

    /// Canonical bit-by-bit decoding for codes longer than the lookup table.
    mutating func decodeSlow(_ code: InflateHuffmanCode) throws -> Int {
        var c = 0, first = 0, index = 0
        for len in 1...15 {
            c |= Int(truncatingIfNeeded: (buffer >> UInt64(len - 1)) & 1)
            let count = code.counts[len]
            if c - first < count {
                consume(len)
                if overran { throw truncated() }
                return Int(code.symbols[index + c - first])
            }
            index += count
            first = (first + count) << 1
            c <<= 1
        }
        if overran { throw truncated() }
        throw error("invalid Huffman code")
    }

    /// Byte offset just after the final block (the buffered bits of the last byte are padding).
    func alignedBytePosition() -> Int { pos + overrun - bits / 8 }

    /// Decodes all blocks up to and including the final one.
    mutating func run() throws {
        while true {
            let header = try read(3)
            let final = header & 1
            switch header >> 1 {
            case 0: try storedBlock()
            case 1: try huffmanBlock(InflateFixedCodes.literalLength, InflateFixedCodes.distance)
            case 2:
                let (lit, dist) = try dynamicCodes()
                try huffmanBlock(lit, dist)
            default:
                throw error("invalid block type 3")
            }
            if final == 1 { break }
        }
        if overran { throw truncated() }
    }

    mutating func storedBlock() throws {
        consume(bits & 7) // skip to a byte boundary
        // Re-sync byte-wise reading at the first unread byte.
        let start = pos + overrun - bits / 8
        guard overrun * 8 <= bits, start + 4 <= input.count else { throw truncated() }
        buffer = 0
        bits = 0
        overrun = 0
        let len = Int(input[start]) | Int(input[start + 1]) << 8
        let nlen = Int(input[start + 2]) | Int(input[start + 3]) << 8
        pos = start
        guard len == nlen ^ 0xFFFF else {
            throw error("stored block length \(len) does not match its one's complement \(nlen)")
        }
        pos = start + 4
        guard pos + len <= input.count else { throw truncated() }
        output.reserve(len)
        (output.base + output.count).update(from: input.baseAddress! + pos, count: len)
        output.count += len
        pos += len
    }

    mutating func dynamicCodes() throws -> (InflateHuffmanCode, InflateHuffmanCode) {
        let nlen = try read(5) + 257
        let ndist = try read(5) + 1
        let ncode = try read(4) + 4
        guard nlen <= 286 else { throw error("too many literal/length codes (\(nlen) > 286)") }
        guard ndist <= 30 else { throw error("too many distance codes (\(ndist) > 30)") }
        var clens = [UInt8](repeating: 0, count: 19)
        for i in 0..<ncode {
            let v = try read(3)
            clens[Self.codeLengthOrder[i]] = UInt8(v)
        }
        let clCode: InflateHuffmanCode
        do { clCode = try InflateHuffmanCode(lengths: clens[...], allowIncompleteSingle: false) } catch {
            throw self.error("invalid code-length code (\(error.message))")
        }
        var lengths = [UInt8](repeating: 0, count: nlen + ndist)
        var i = 0
        try clCode.fast.withUnsafeBufferPointer { fast in
            while i < nlen + ndist {
                refill()
                let sym = try decode(clCode, fast: fast.baseAddress!)
                if sym < 16 {
                    lengths[i] = UInt8(sym)
                    i += 1
                } else {
                    var value: UInt8 = 0
                    let repeatCount: Int
                    switch sym {
                    case 16:
                        guard i > 0 else { throw error("code-length repeat (16) with no previous length") }
                        value = lengths[i - 1]
                        repeatCount = 3 + take(2)
                    case 17: repeatCount = 3 + take(3)
                    default: repeatCount = 11 + take(7)
                    }
                    guard i + repeatCount <= nlen + ndist else {
                        throw error("code-length repeat runs past the \(nlen + ndist) code lengths")
                    }
                    for k in i..<(i + repeatCount) { lengths[k] = value }
                    i += repeatCount
                }
                if overran { throw truncated() }
            }
        }
        guard lengths[256] != 0 else { throw error("no code for the end-of-block symbol") }
        let lit: InflateHuffmanCode, dist: InflateHuffmanCode
        do { lit = try InflateHuffmanCode(lengths: lengths[0..<nlen], allowIncompleteSingle: true) } catch {
            throw self.error("invalid literal/length code (\(error.message))")
        }
        do { dist = try InflateHuffmanCode(lengths: lengths[nlen...], allowIncompleteSingle: true) } catch {
            throw self.error("invalid distance code (\(error.message))")
        }
        return (lit, dist)
    }

    mutating func huffmanBlock(_ lit: InflateHuffmanCode, _ dist: InflateHuffmanCode) throws {
        try lit.fast.withUnsafeBufferPointer { litFast in
            try dist.fast.withUnsafeBufferPointer { distFast in
                try Self.lengthTable.withUnsafeBufferPointer { lengthTable in
                    try Self.distanceTable.withUnsafeBufferPointer { distanceTable in
                        try huffmanLoop(lit, dist, litFast.baseAddress!, distFast.baseAddress!,
                                        lengthTable.baseAddress!, distanceTable.baseAddress!)
                    }
                }
            }
        }
    }

    @inline(__always)
    mutating func huffmanLoop(_ lit: InflateHuffmanCode, _ dist: InflateHuffmanCode, _ litFast: UnsafePointer<UInt16>, _ distFast: UnsafePointer<UInt16>,
                              _ lengthTable: UnsafePointer<UInt32>, _ distanceTable: UnsafePointer<UInt32>) throws {
        while true {
            refill()
            var sym = try decode(lit, fast: litFast)
            if sym < 256 {
                if overran { throw truncated() }
                output.reserve(1)
                output.base[output.count] = UInt8(truncatingIfNeeded: sym)
                output.count += 1
                continue
            }
            if sym == 256 {
                if overran { throw truncated() }
                return
            }
            sym -= 257
            guard sym < 29 else { throw error("invalid literal/length symbol \(sym + 257)") }
            let le = lengthTable[sym]
            let length = Int(le & 0xFFFF) + take(Int(le >> 16))
            let dsym = try decode(dist, fast: distFast)
            guard dsym < 30 else { throw error("invalid distance symbol \(dsym)") }
            let de = distanceTable[dsym]
            let distance = Int(de & 0xFFFF) + take(Int(de >> 16))
            if overran { throw truncated() }
            guard distance <= output.count else {
                throw error("back-reference distance \(distance) exceeds the \(output.count) bytes decompressed so far")
            }
            output.reserve(length)
            let dst = output.base + output.count
            let src = dst - distance
            if distance >= length {
                dst.update(from: src, count: length)
            } else {
                for k in 0..<length { dst[k] = src[k] }
            }
            output.count += length
        }
    }
}
