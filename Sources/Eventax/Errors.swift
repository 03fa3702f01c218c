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

    /// A human-readable message.
    public var description: String {
        switch self {
        case let .invalid(field, message): return "\(field): \(message)"
        case let .tooManyEvents(limit): return "maxEvents: the simulation exceeded \(limit) events (spikes plus deliveries); raise maxEvents or check the network"
        case let .integration(message): return "solver: \(message)"
        case let .io(path, message): return "\(path): \(message)"
        }
    }
}
