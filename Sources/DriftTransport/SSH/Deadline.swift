import Foundation

/// The time limits of one host: each operation (connecting, the handshake, one
/// file) may take `operation` seconds, and everything together `overall` seconds.
struct Deadline: Sendable {
    let operation: Double
    let overall: Double
    private let start: UInt64

    init(operation: Double, overall: Double) {
        self.operation = operation
        self.overall = overall
        start = DispatchTime.now().uptimeNanoseconds
    }

    /// Seconds left before the overall limit.
    var remaining: Double { overall - Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

    /// The time the next operation may take, and whether the overall limit is what bounds it.
    /// Throws once the overall limit has passed.
    func next(host: String, path: String? = nil, doing: String) throws(TransportError) -> (seconds: Double, byOverall: Bool) {
        let left = remaining
        guard left > 0 else { throw expired(host: host, path: path, doing: doing) }
        return left < operation ? (left, true) : (operation, false)
    }

    /// `next`, for a call within a step (one file) that began at `stepStart` (uptime
    /// nanoseconds): the step as a whole gets `operation` seconds, however many calls it makes.
    func next(host: String, path: String? = nil, doing: String, stepStartedAt stepStart: UInt64?) throws(TransportError)
        -> (seconds: Double, byOverall: Bool) {
        let allowed = try next(host: host, path: path, doing: doing)
        guard let stepStart else { return allowed }
        let left = operation - Double(DispatchTime.now().uptimeNanoseconds - stepStart) / 1e9
        guard left > 0 else {
            throw timedOut(host: host, path: path, doing: doing, byOverall: false, seconds: operation)
        }
        return left < allowed.seconds ? (left, false) : allowed
    }

    func expired(host: String, path: String? = nil, doing: String) -> TransportError {
        TransportError(.timeout, host: host, path: path, "the host's overall \(seconds(overall)) limit ran out while \(doing)")
    }

    /// The message for an operation that took longer than it was allowed: the host's overall
    /// limit, or else the step's `operation` seconds (what `timeout:` says, whatever part of
    /// it the last call of the step had left).
    func timedOut(host: String, path: String? = nil, doing: String, byOverall: Bool, seconds allowed: Double) -> TransportError {
        byOverall ? expired(host: host, path: path, doing: doing)
            : TransportError(.timeout, host: host, path: path, "timed out after \(seconds(max(allowed, operation))) while \(doing)")
    }
}
