import ArgumentParser
import Eventax
import Foundation

/// An error whose message is printed as is after `error: `.
struct CLIError: Error, CustomStringConvertible {
    /// The message.
    var description: String
}

/// The case of `E` whose raw value is `value` (any letter case); otherwise an error naming the
/// option, the value and the known values: `--OPTION: unknown NOUN "value" (known: a, b)`.
func parseChoice<E: RawRepresentable & CaseIterable>(_ value: String, option: String, noun: String) throws -> E where E.RawValue == String {
    guard let choice = E(rawValue: value.lowercased()) else {
        throw CLIError(description: "\(option): unknown \(noun) \"\(value)\" (known: \(E.allCases.map(\.rawValue).joined(separator: ", ")))")
    }
    return choice
}

/// Writes `text` to standard error.
func writeStandardError(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}

/// Writes `text` to standard output.
func writeStandardOutput(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}

/// Runs `body`; any error is printed as `error: <message>` on stderr and becomes exit status 1.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        writeStandardError("error: \(error)\n")
        throw ExitCode(1)
    }
}

/// Runs `body`, prefixing the messages of its Eventax errors with `path` (unless they already start with it).
func withFileContext<T>(_ path: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as EventaxError {
        let message = error.description
        if message.hasPrefix(path + ": ") { throw CLIError(description: message) }
        throw CLIError(description: "\(path): \(message)")
    }
}

/// Parses comma-separated finite numbers from each value of a repeatable option.
func parseTimes(_ values: [String], option: String) throws -> [Double] {
    var times: [Double] = []
    for value in values {
        for part in value.split(separator: ",", omittingEmptySubsequences: false) {
            let text = part.trimmingCharacters(in: .whitespaces)
            guard let t = Double(text), t.isFinite else {
                throw CLIError(description: "\(option): expected comma-separated numbers, got \(JSONValue.string(String(text)).serialized()) in \(JSONValue.string(value).serialized())")
            }
            times.append(t)
        }
    }
    return times
}

/// The minibatch progress callback of epoch `e` of `epochs`: a bar with an ETA on standard error,
/// drawn only when standard error is a terminal.
func epochProgress(epoch e: Int, of epochs: Int) -> (Int, Int) -> Void {
    guard isatty(2) != 0 else { return { _, _ in } }
    let started = Date()
    return { b, n in
        let elapsed = Date().timeIntervalSince(started)
        let eta = elapsed / Double(b) * Double(n - b)
        let bar = String(repeating: "#", count: 30 * b / n) + String(repeating: " ", count: 30 - 30 * b / n)
        writeStandardError(String(format: "\repoch %d/%d [%@] %d/%d  ETA %.1fs ", e, epochs, bar, b, n, eta))
    }
}

/// Erases the progress bar of ``epochProgress(epoch:of:)``.
func clearEpochProgress() {
    if isatty(2) != 0 { writeStandardError("\r" + String(repeating: " ", count: 70) + "\r") }
}

/// Writes `records` as JSON lines (one object per line), atomically.
func writeJSONLines<T: Encodable>(_ records: [T], to path: String, encoder: JSONEncoder) throws {
    let text = try records.map { String(decoding: try encoder.encode($0), as: UTF8.self) }.joined(separator: "\n") + "\n"
    try writeAtomically(Data(text.utf8), to: path)
}

/// Creates the folder `dir` and its parents unless it exists; errors name `option`, the path and
/// the system's reason (a path that exists as a file, a parent that is not a folder).
func createOutputFolder(_ dir: String, option: String) throws {
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: dir, isDirectory: &isFolder) {
        guard isFolder.boolValue else { throw CLIError(description: "\(option): \(dir) exists and is not a folder") }
        return
    }
    do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
        throw CLIError(description: "\(option): cannot create the folder \(dir): \(systemReason(error))")
    }
}

/// The training checkpoint at `path` for `eventax evaluate` and `eventax plot`. `data` (their
/// `--data`) replaces an MNIST run's data directory, which may have moved since training; without
/// it, a directory that is not there is an error that names it and the option.
func loadCheckpoint(_ path: String, data: String?) throws -> TrainingCheckpoint {
    var state = try TrainingCheckpoint.load(path)
    guard let data else {
        if state.config.task == "mnist", let dir = state.config.data {
            guard FileManager.default.fileExists(atPath: dir) else {
                throw CLIError(description: "\(path): the run's MNIST directory \(dir) does not exist (relative paths start from the current folder); pass --data DIR")
            }
            let missing = MNISTDataset.missingFiles(in: dir)
            if !missing.isEmpty {
                throw CLIError(description: "\(path): the run's MNIST directory \(dir) lacks \(missing.joined(separator: ", ")) (raw or .gz); pass --data DIR")
            }
        }
        return state
    }
    guard state.config.task == "mnist" else {
        throw CLIError(description: "--data: applies to MNIST checkpoints only; \(path) is a \(state.config.task) run")
    }
    state.config.data = data
    return state
}

/// Removes the file at `path` if there is one; an error names the path and the system's reason.
func removeIfPresent(_ path: String) throws {
    guard unlink(path) == 0 || errno == ENOENT else {
        throw CLIError(description: "\(path): cannot remove: \(systemReason(code: errno))")
    }
}

/// Takes an exclusive lock on the output folder `dir`, so that two training runs cannot write the
/// same checkpoint and metrics at once (a second `--resume` of a running run, or two runs given
/// the same `--out`). The lock is the kernel's `flock` on the folder itself: no lock file is left
/// behind, and it is released when the returned descriptor is closed or the process ends, however
/// it ends.
func lockOutputFolder(_ dir: String) throws -> Int32 {
    let fd = open(dir, O_RDONLY)
    guard fd >= 0 else { throw CLIError(description: "\(dir): cannot open the output folder: \(systemReason(code: errno))") }
    if flock(fd, LOCK_EX | LOCK_NB) != 0 {
        let code = errno
        close(fd)
        if code == EWOULDBLOCK {
            throw CLIError(description: "\(dir): another eventax process is training into this folder; wait for it to finish or choose another --out")
        }
        throw CLIError(description: "\(dir): cannot lock the output folder: \(systemReason(code: code))")
    }
    return fd
}

/// This program's peak resident memory so far, in MiB. On Linux it is `VmHWM` of
/// /proc/self/status, the peak of this program's own address space: `getrusage`'s `ru_maxrss`
/// survives `execve`, so under `swift run` (which execs the product) it would report the build
/// driver's peak instead. `ru_maxrss` is the fallback where /proc is not readable.
func peakResidentMebibytes() -> Double {
    var usage = rusage()
    #if os(Linux)
    if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
       let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
       let kib = line.dropFirst("VmHWM:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap({ Double($0) }) {
        return kib / 1024
    }
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024  // KiB on Linux
    #else
    getrusage(RUSAGE_SELF, &usage)
    return Double(usage.ru_maxrss) / (1024 * 1024)  // bytes on macOS
    #endif
}
