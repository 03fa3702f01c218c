import ArgumentParser
import Eventax
import Foundation

/// An error whose message is printed as is after `error: `.
struct CLIError: Error, CustomStringConvertible {
    /// The message.
    var description: String
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
