import DriftCore
import Foundation
import Synchronization

/// Collects files from many hosts at once, each host on its own worker thread.
///
/// Transports block in C calls, so hosts run on `jobs` dedicated threads rather
/// than in Swift tasks. A failing host becomes a `HostCollection` with a failure;
/// it never stops the others.
public struct Collector: Sendable {
    public var transports: [TransportKind: any Transport]
    public var jobs: Int
    /// Largest file accepted, in bytes.
    public var maxFileSize: Int

    public static let defaultMaxFileSize = 8 * 1024 * 1024

    public init(transports: [TransportKind: any Transport], jobs: Int, maxFileSize: Int = Collector.defaultMaxFileSize) {
        self.transports = transports
        self.jobs = max(1, jobs)
        self.maxFileSize = maxFileSize
    }

    /// Collects every request; results come back in request order.
    /// `progress` is called from worker threads after each host with (done, total, failed so far).
    public func collect(_ requests: [CollectionRequest],
                        progress: (@Sendable (_ done: Int, _ total: Int, _ failed: Int) -> Void)? = nil) -> [HostCollection] {
        struct State {
            var next = 0
            var done = 0
            var failed = 0
            var results: [HostCollection?]
        }
        let state = Mutex(State(results: Array(repeating: nil, count: requests.count)))
        let workers = min(jobs, max(requests.count, 1))
        let finished = DispatchSemaphore(value: 0)
        for _ in 0..<workers {
            let thread = Thread {
                while true {
                    let index: Int? = state.withLock { state in
                        guard state.next < requests.count else { return nil }
                        defer { state.next += 1 }
                        return state.next
                    }
                    guard let index else { break }
                    let result = collect(requests[index])
                    let counts = state.withLock { state -> (Int, Int) in
                        state.results[index] = result
                        state.done += 1
                        if result.failure != nil { state.failed += 1 }
                        return (state.done, state.failed)
                    }
                    progress?(counts.0, requests.count, counts.1)
                }
                finished.signal()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        for _ in 0..<workers { finished.wait() }
        return state.withLock { $0.results.map { $0! } }
    }

    /// Collects one host on the calling thread.
    public func collect(_ request: CollectionRequest) -> HostCollection {
        let started = DispatchTime.now()
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9 }
        let host = request.host
        guard let transport = transports[host.connection.transport] else {
            return HostCollection(host: host, failure: TransportError(
                .unsupported, host: host.name, "transport '\(host.connection.transport.rawValue)' is not available in this build"),
                seconds: elapsed())
        }
        let session: any TransportSession
        do {
            session = try transport.connect(to: host)
        } catch {
            return HostCollection(host: host, failure: error, seconds: elapsed())
        }
        defer { session.close() }
        var collected = HostCollection(host: host)
        // Requested files first, then what they include, depth-first as the programs read them.
        var queue: [(path: String, depth: Int)] = request.paths.map { ($0, 0) }
        while !queue.isEmpty {
            let (path, depth) = queue.removeFirst()
            guard collected.files[path] == nil else { continue }
            let read = session.read(path, limit: maxFileSize)
            collected.files[path] = read
            switch read {
            case .failed(let error) where error.kind.endsHost:
                // A dropped connection (or sudo wanting a password) fails the rest of the host's files the same way; stop asking.
                collected.failure = error
                collected.seconds = elapsed()
                return collected
            case .content(let bytes) where depth < Self.maxIncludeDepth:
                let included = expand(request.expandIncludes?(path, bytes) ?? [], session: session, into: &collected)
                queue.insert(contentsOf: included.map { ($0, depth + 1) }, at: 0)
            default:
                break
            }
        }
        collected.seconds = elapsed()
        return collected
    }

    /// MySQL's include depth; also a guard against include cycles.
    static let maxIncludeDepth = 10

    /// The files to read for a list of include targets, listing directories as needed.
    private func expand(_ targets: [IncludeTarget], session: any TransportSession, into collected: inout HostCollection) -> [String] {
        var paths: [String] = []
        for target in targets {
            switch target {
            case .file(let path):
                paths.append(path)
            case .directory(let directory, let accepts):
                let listing = collected.directories[directory] ?? session.list(directory)
                collected.directories[directory] = listing
                if case .entries(let names) = listing {
                    let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
                    paths += names.filter(accepts).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { base + "/" + $0 }
                }
            }
        }
        return paths
    }
}
