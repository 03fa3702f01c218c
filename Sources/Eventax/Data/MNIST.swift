import Foundation

/// An n-dimensional array of unsigned bytes read from an IDX file.
public struct IDXArray: Sendable, Equatable {
    /// The dimension sizes, outermost first (e.g. `[60000, 28, 28]` for the MNIST training images).
    public var dims: [Int]
    /// The elements in row-major order; `bytes.count` is the product of `dims`.
    public var bytes: [UInt8]

    /// An array with the given dimensions and row-major elements (not validated).
    public init(dims: [Int], bytes: [UInt8]) {
        self.dims = dims
        self.bytes = bytes
    }
}

/// Reader for the IDX format of the MNIST distribution (LeCun et al.).
///
/// An IDX file is a 4-byte magic number `00 00 <type> <ndims>`, then `ndims` big-endian 32-bit
/// dimension sizes, then the elements in row-major order. Only element type `0x08` (unsigned byte)
/// is supported; the others (`0x09` signed byte, `0x0B` int16, `0x0C` int32, `0x0D` float32,
/// `0x0E` float64) are rejected with an error naming the type code.
public enum IDX {
    /// Reads the IDX file at `path`, raw or gzip-compressed (recognised by the `1f 8b` magic bytes,
    /// not by the file name). Every error is an `EventaxError.io` naming `path`.
    public static func read(path: String) throws -> IDXArray {
        var bytes = try readFileBytes(path, kind: "an IDX file")
        if Gzip.isGzip(bytes) { bytes = try Gzip.decompress(bytes, path: path) }
        return try parse(bytes, path: path)
    }

    /// Parses uncompressed IDX `bytes`; `path` names the source in error messages.
    public static func parse(_ bytes: [UInt8], path: String) throws -> IDXArray {
        guard bytes.count >= 4 else {
            throw EventaxError.io(path: path, "not an IDX file: only \(bytes.count) bytes, too short for the 4-byte magic number")
        }
        guard bytes[0] == 0, bytes[1] == 0 else {
            throw EventaxError.io(path: path, "not an IDX file: magic number starts with \(hex2(bytes[0])) \(hex2(bytes[1])), expected 00 00 (then type, ndims)")
        }
        let type = bytes[2]
        guard type == 0x08 else {
            let names: [UInt8: String] = [0x09: "signed byte", 0x0B: "int16", 0x0C: "int32", 0x0D: "float32", 0x0E: "float64"]
            let name = names[type].map { " (\($0))" } ?? " (not a defined IDX type)"
            throw EventaxError.io(path: path, "unsupported IDX data type 0x\(hex2(type))\(name); only 0x08 (unsigned byte) is supported")
        }
        let ndims = Int(bytes[3])
        guard ndims >= 1 else { throw EventaxError.io(path: path, "IDX header declares 0 dimensions") }
        let headerSize = 4 + 4 * ndims
        guard bytes.count >= headerSize else {
            throw EventaxError.io(path: path, "IDX header truncated: \(ndims) dimensions need a \(headerSize)-byte header, the file has \(bytes.count) bytes")
        }
        var dims: [Int] = []
        var product = 1
        var overflow = false
        for d in 0..<ndims {
            let o = 4 + 4 * d
            let size = Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3])
            dims.append(size)
            let (p, o1) = product.multipliedReportingOverflow(by: size)
            product = p
            overflow = overflow || o1
        }
        let payload = bytes.count - headerSize
        guard !overflow, product == payload else {
            let expected = overflow ? "more than Int.max" : "\(product)"
            throw EventaxError.io(path: path, "IDX size mismatch: dimensions \(dims.map(String.init).joined(separator: "×")) need \(expected) data bytes after the \(headerSize)-byte header, the file has \(payload)")
        }
        return IDXArray(dims: dims, bytes: Array(bytes[headerSize...]))
    }

    private static func hex2(_ b: UInt8) -> String {
        let s = String(b, radix: 16)
        return s.count == 1 ? "0" + s : s
    }
}

/// The two official MNIST splits.
public enum MNISTSplit: String, CaseIterable, Sendable {
    /// The 60,000 training images (`train-*` files).
    case train
    /// The 10,000 test images (`t10k-*` files).
    case test

    /// The file-name prefix of the split: `train` or `t10k`.
    public var filePrefix: String { self == .train ? "train" : "t10k" }
    /// The uncompressed image file name, e.g. `train-images-idx3-ubyte`.
    public var imagesFileName: String { "\(filePrefix)-images-idx3-ubyte" }
    /// The uncompressed label file name, e.g. `train-labels-idx1-ubyte`.
    public var labelsFileName: String { "\(filePrefix)-labels-idx1-ubyte" }
}

/// MNIST handwritten digits (LeCun, Cortes & Burges): 28×28 grey-scale images with labels 0–9.
public struct MNISTDataset: Sendable, Equatable {
    /// Image height in pixels.
    public static let rows = 28
    /// Image width in pixels.
    public static let columns = 28
    /// Pixels per image (784), one input channel each under `LatencyEncoding`.
    public static let pixelsPerImage = rows * columns

    /// All images, `count × 784` bytes, each image row-major (0 = background, 255 = full ink).
    public let images: [UInt8]
    /// The digit label (0...9) of each image.
    public let labels: [UInt8]
    /// Number of images.
    public var count: Int { labels.count }

    /// A dataset from `images` (`labels.count × 784` bytes) and `labels` (each 0...9).
    public init(images: [UInt8], labels: [UInt8]) throws {
        guard images.count == labels.count * Self.pixelsPerImage else {
            throw EventaxError.invalid(field: "images", "has \(images.count) bytes, expected \(labels.count) labels × \(Self.pixelsPerImage) = \(labels.count * Self.pixelsPerImage)")
        }
        if let i = labels.firstIndex(where: { $0 > 9 }) {
            throw EventaxError.invalid(field: "labels[\(i)]", "must be a digit 0...9, got \(labels[i])")
        }
        self.images = images
        self.labels = labels
    }

    /// The 784 pixels of image `index`.
    public func image(_ index: Int) -> ArraySlice<UInt8> {
        images[index * Self.pixelsPerImage..<(index + 1) * Self.pixelsPerImage]
    }

    /// Loads a split from `directory`, which must hold the standard IDX file names, uncompressed or
    /// with `.gz` (e.g. `train-images-idx3-ubyte` or `train-images-idx3-ubyte.gz`, and likewise
    /// `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`). When both forms
    /// exist the uncompressed one is read. Checks that the images are N×28×28, the labels N values
    /// 0...9, and that the counts agree; errors name the file.
    public static func load(directory: String, split: MNISTSplit) throws -> MNISTDataset {
        let imagesPath = try locate(split.imagesFileName, in: directory)
        let labelsPath = try locate(split.labelsFileName, in: directory)
        let images = try IDX.read(path: imagesPath)
        guard images.dims.count == 3, images.dims[1] == rows, images.dims[2] == columns else {
            throw EventaxError.io(path: imagesPath, "expected MNIST images of shape N×28×28, got dimensions \(images.dims.map(String.init).joined(separator: "×"))")
        }
        let labels = try IDX.read(path: labelsPath)
        guard labels.dims.count == 1 else {
            throw EventaxError.io(path: labelsPath, "expected a 1-dimensional label array, got dimensions \(labels.dims.map(String.init).joined(separator: "×"))")
        }
        guard labels.dims[0] == images.dims[0] else {
            throw EventaxError.io(path: labelsPath, "has \(labels.dims[0]) labels but \(imagesPath) has \(images.dims[0]) images")
        }
        if let i = labels.bytes.firstIndex(where: { $0 > 9 }) {
            throw EventaxError.io(path: labelsPath, "label \(i) is \(labels.bytes[i]), expected a digit 0...9")
        }
        return try MNISTDataset(images: images.bytes, labels: labels.bytes)
    }

    /// The standard files (each raw or `.gz`) that `directory` lacks, by their uncompressed names;
    /// empty when all four are there.
    public static func missingFiles(in directory: String) -> [String] {
        MNISTSplit.allCases.flatMap { [$0.imagesFileName, $0.labelsFileName] }.filter { (try? locate($0, in: directory)) == nil }
    }

    /// The path of `name` or `name.gz` in `directory` (uncompressed preferred).
    private static func locate(_ name: String, in directory: String) throws -> String {
        let base = URL(fileURLWithPath: directory).appendingPathComponent(name).path
        for candidate in [base, base + ".gz"] where FileManager.default.fileExists(atPath: candidate) {
            return candidate
        }
        throw EventaxError.io(path: directory, "missing MNIST file: expected '\(name)' or '\(name).gz' in directory \(directory)")
    }

    /// A seeded held-out split of `train` into training and validation indices.
    ///
    /// The indices `0..<train.count` are shuffled with `SplitMix64(seed:).permutation`; the first
    /// `validation` of them form the validation set and the rest the training set. Both lists are
    /// returned sorted ascending, disjoint, and together cover every index exactly once; the result
    /// depends only on `train.count`, `validation` and `seed`. The Eventax paper holds out 5,000 of
    /// the 60,000 training images (§IV-B), the default here.
    /// - Precondition: `0 <= validation <= train.count`.
    public static func split(train: MNISTDataset, validation: Int = 5000, seed: UInt64) -> (train: [Int], validation: [Int]) {
        precondition(validation >= 0 && validation <= train.count,
                     "MNISTDataset.split: validation size \(validation) must be in 0...\(train.count)")
        var rng = SplitMix64(seed: seed)
        let p = rng.permutation(train.count)
        return (Array(p[validation...]).sorted(), Array(p[..<validation]).sorted())
    }
}

/// Latency (time-to-first-spike) encoding of MNIST images, following Wunderlich & Pehle (2021).
///
/// One input channel per pixel. A pixel with intensity `p` (0...255) above `threshold` emits one
/// spike at
///
///     t(p) = tMin + (1 − p / 255) · (tMax − tMin)        [ms]
///
/// so brighter pixels spike earlier (p = 255 at `tMin`, faint pixels close to `tMax`); pixels at or
/// below `threshold` emit no spike (channel `[]`).
///
/// Source and constants: the Eventax paper (§IV-B, Eq. 7) follows T. C. Wunderlich and C. Pehle,
/// "Event-based backpropagation can compute exact gradients for spiking neural networks",
/// Sci. Rep. 11:12829 (2021), doi:10.1038/s41598-021-91786-z. The formula and the constants
/// `tMin = 0`, `tMax = 30 ms` are those of the MNIST loader published with that paper
/// (github.com/eventprop/eventprop, `eventprop/mnist.py`, `MNISTMixin`: `t_min = 0`,
/// `t_max = 30e-3` s, time `t_min + (1 - pix / 255) * (t_max - t_min)`). That code spikes only for
/// `pix > 1`; the Eventax paper says "non-zero pixels producing a spike and zero pixels omitted", which
/// is the default here (`threshold = 0`); use `threshold: 1` to reproduce the EventProp code exactly.
/// See docs/mnist-encoding.md.
public struct LatencyEncoding: Sendable, Equatable {
    /// Spike time of a full-intensity (255) pixel, in ms.
    public var tMin: Double
    /// Spike time that an intensity-0 pixel would have, in ms (the latest possible spike).
    public var tMax: Double
    /// Pixels with intensity ≤ `threshold` emit no spike.
    public var threshold: UInt8

    /// An encoding with the given times (ms) and silence threshold; the defaults are the paper's.
    public init(tMin: Double = 0, tMax: Double = 30, threshold: UInt8 = 0) {
        self.tMin = tMin
        self.tMax = tMax
        self.threshold = threshold
    }

    /// The spike time of a pixel of intensity `pixel`, or nil when it does not spike.
    @inline(__always)
    public func spikeTime(_ pixel: UInt8) -> Double? {
        pixel > threshold ? tMin + (1 - Double(pixel) / 255) * (tMax - tMin) : nil
    }

    /// Encodes an image as one channel per pixel, each `[]` or `[t]` (spike time in ms), the
    /// simulator's input format.
    public func encode(image: ArraySlice<UInt8>) -> [[Double]] {
        image.map { p in spikeTime(p).map { [$0] } ?? [] }
    }

    /// Encodes an image as one channel per pixel, each `[]` or `[t]` (spike time in ms).
    public func encode(image: [UInt8]) -> [[Double]] { encode(image: image[...]) }

    /// Encodes the images `indices` of `dataset` (784 channels each).
    public func encode(_ dataset: MNISTDataset, indices: [Int]) -> [[[Double]]] {
        indices.map { encode(image: dataset.image($0)) }
    }
}
