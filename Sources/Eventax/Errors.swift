import Foundation

/// Errors thrown by Eventax. Each names the offending field and value.
public enum EventaxError: Error, CustomStringConvertible, Equatable {
    /// A field of a network, input, cotangent or option is invalid.
    case invalid(field: String, String)
    /// The simulation exceeded the `maxEvents` bound.
    case tooManyEvents(limit: Int)
    /// The integrator could not proceed (step size underflow or too many steps).
    case integration(String)
    /// A file could not be read or written.
    case io(path: String, String)
    /// `error` happened during the step of a longer job that `context` names (`epoch 3, validation`).
    indirect case during(_ context: String, _ error: EventaxError)

    /// A human-readable message.
    public var description: String {
        switch self {
        case let .invalid(field, message): return "\(field): \(message)"
        case let .tooManyEvents(limit): return "maxEvents: the simulation exceeded \(limit) events (spikes plus deliveries); raise maxEvents or check the network"
        case let .integration(message): return "solver: \(message)"
        case let .io(path, message): return "\(path): \(message)"
        case let .during(context, error): return "\(context): \(error)"
        }
    }

    /// Whether this is what diverged parameters typically cause in a simulation: a solver failure
    /// (the step limit, a step size underflow) or the event limit.
    var suggestsDivergence: Bool {
        switch self {
        case .integration, .tooManyEvents: return true
        case let .during(_, error): return error.suggestsDivergence
        case .invalid, .io: return false
        }
    }
}

/// Runs `body`; an ``EventaxError`` it throws (other than a file error, which names its file)
/// comes back as ``EventaxError/during(_:_:)`` with `context`, so that the message says where in a
/// longer job it happened (`epoch 2, validation: solver: …`).
func namingErrors<R>(_ context: String, _ body: () throws -> R) throws -> R {
    do { return try body() } catch let error as EventaxError {
        if case .io = error { throw error }
        throw EventaxError.during(context, error)
    }
}

/// A one-line message for an error of `JSONDecoder`: the JSON path of the offending value and what
/// was wrong with it (`config.hidden: expected Int, found a string`), instead of the decoder's
/// debug description. Other errors are described as they are.
public func describeDecodingError(_ error: Error) -> String {
    guard let e = error as? DecodingError else { return "\(error)" }
    func path(_ keys: [CodingKey]) -> String {
        let text = keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return text.hasPrefix(".") ? String(text.dropFirst()) : text.isEmpty ? "(top level)" : text
    }
    switch e {
    case let .keyNotFound(key, context):
        return "\(path(context.codingPath + [key])): missing"
    case let .valueNotFound(type, context):
        return "\(path(context.codingPath)): expected \(type), got null"
    case let .typeMismatch(type, context):
        return "\(path(context.codingPath)): expected \(type) (\(context.debugDescription))"
    case let .dataCorrupted(context):
        if let underlying = context.underlyingError { return "\(path(context.codingPath)): \(context.debugDescription) (\(underlying.localizedDescription))" }
        return "\(path(context.codingPath)): \(context.debugDescription)"
    @unknown default:
        return "\(error)"
    }
}

/// The system's reason for a failed file operation (`Not a directory`, `No space left on device`)
/// when Foundation's error carries one, otherwise the error's description.
public func systemReason(_ error: Error) -> String {
    let ns = error as NSError
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? Error {
        let u = underlying as NSError
        if u.domain == NSPOSIXErrorDomain { return systemReason(code: Int32(u.code)) }
    }
    if ns.domain == NSPOSIXErrorDomain { return systemReason(code: Int32(ns.code)) }
    return ns.localizedDescription
}

/// The system's text for the error number `code` (an `errno` value), e.g. `No such file or directory`.
public func systemReason(code: Int32) -> String {
    String(cString: strerror(code))
}
