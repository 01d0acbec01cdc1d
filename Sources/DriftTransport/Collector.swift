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

    /// Collects every request; results come back in request order. For small fleets and tests:
    /// the whole fleet's files are held at once (the audit uses `collect(_:queue:progress:process:deliver:)`).
    public func collect(_ requests: [CollectionRequest],
                        progress: (@Sendable (_ done: Int, _ total: Int, _ failed: Int) -> Void)? = nil) -> [HostCollection] {
        var results = [HostCollection?](repeating: nil, count: requests.count)
        collect(requests, progress: progress, process: { _, collection in collection }, deliver: { results[$0] = $1 })
        return results.map { $0! }
    }

    /// Collects every request on `jobs` worker threads and hands each host on as soon as it is
    /// read: `process` runs on the worker that collected the host (parsing and evaluating it
    /// there uses every core), then `deliver` gets the result on the calling thread, one host
    /// at a time, in the order hosts finish. At most `jobs` hosts are being collected and at
    /// most `queue` processed hosts wait for `deliver`: memory is bounded by those hosts, not
    /// by the fleet. `progress` is called from worker threads with (done, total, failed so far).
    public func collect<Result: Sendable>(
        _ requests: [CollectionRequest], queue: Int? = nil,
        progress: (@Sendable (_ done: Int, _ total: Int, _ failed: Int) -> Void)? = nil,
        process: @escaping @Sendable (_ index: Int, HostCollection) -> Result,
        deliver: (_ index: Int, Result) -> Void
    ) {
        guard !requests.isEmpty else { return }
        let state = Mutex(HandOff<Result>())
        let capacity = max(1, queue ?? jobs)
        // Slots free in the hand-off queue, and results waiting in it.
        let slots = DispatchSemaphore(value: capacity)
        let waiting = DispatchSemaphore(value: 0)
        let workers = min(jobs, requests.count)
        for _ in 0..<workers {
            let thread = Thread {
                while true {
                    let index: Int? = state.withLock { state in
                        guard state.next < requests.count else { return nil }
                        defer { state.next += 1 }
                        return state.next
                    }
                    guard let index else { break }
                    let collection = collect(requests[index])
                    let failed = collection.failure != nil
                    let result = process(index, collection)
                    slots.wait()
                    let counts = state.withLock { state -> (Int, Int) in
                        state.ready.append((index, result))
                        state.done += 1
                        if failed { state.failed += 1 }
                        return (state.done, state.failed)
                    }
                    // Told before the hand-off, so no progress line is drawn after the last host is delivered.
                    progress?(counts.0, requests.count, counts.1)
                    waiting.signal()
                }
            }
            thread.stackSize = 4 << 20
            thread.start()
        }
        for _ in 0..<requests.count {
            waiting.wait()
            let (index, result) = state.withLock { $0.ready.removeFirst() }
            slots.signal()
            deliver(index, result)
        }
    }

    /// The workers' shared state: the next request to take, counts, and processed hosts waiting.
    private struct HandOff<Result: Sendable>: Sendable {
        var next = 0
        var done = 0
        var failed = 0
        var ready: [(Int, Result)] = []
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
