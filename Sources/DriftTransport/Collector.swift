import DriftCore
import Foundation
import Synchronization

/// Collects files from many hosts at once, each host on its own worker thread.
///
/// Transports block in C calls, so hosts run on `jobs` dedicated threads rather
/// than in Swift tasks. A failing host becomes a `HostCollection` with a failure;
/// it never stops the others.
package struct Collector: Sendable {
    package var transports: [TransportKind: any Transport]
    package var jobs: Int
    /// Largest file accepted, in bytes.
    package var maxFileSize: Int

    package static let defaultMaxFileSize = 8 * 1024 * 1024

    package init(transports: [TransportKind: any Transport], jobs: Int, maxFileSize: Int = Collector.defaultMaxFileSize) {
        self.transports = transports
        self.jobs = max(1, jobs)
        self.maxFileSize = maxFileSize
    }

    /// Collects every request; results come back in request order. For small fleets and tests:
    /// the whole fleet's files are held at once (the audit uses `collect(_:queue:progress:process:deliver:)`).
    package func collect(_ requests: [CollectionRequest],
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
    package func collect<Result: Sendable>(
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
        // `jobs` hosts may be collected at once (mostly waiting on the network), but only as many
        // processed as there are cores: more threads than cores judging hosts only queued them on
        // each other's locks and caches.
        let cores = DispatchSemaphore(value: max(1, ProcessInfo.processInfo.activeProcessorCount))
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
                    cores.wait()
                    let result = process(index, collection)
                    cores.signal()
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
    ///
    /// A failure that ends the host (`TransportError.endsHost`: the connection dropped or got
    /// stuck, sudo wanting a password for every file) stops the questions there. Every file
    /// not answered by then is `notCollected`, never missing, and the host's failure names the
    /// file that stopped it, how many were left and what to do. Any other failed file (refused,
    /// too large) is that file's outcome, and the rest of the host is still read.
    package func collect(_ request: CollectionRequest) -> HostCollection {
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
        // An include is read at the path it resolved to when its confinement was checked.
        var queue: [(path: String, depth: Int, readAt: String)] = request.paths.map { ($0, 0, $0) }
        // The file that included each include target, so that an unanswered include marks its includer too.
        var includedBy: [String: String] = [:]
        // The requested file each include chain starts at: its directory is one its includes may lie in.
        var chainRoot: [String: String] = [:]
        func end(_ error: TransportError, at path: String) -> HostCollection {
            collected.failure = error
            Self.markNotCollected([path] + queue.map(\.path), endedBy: error, includedBy: includedBy, in: &collected)
            collected.seconds = elapsed()
            return collected
        }
        while !queue.isEmpty {
            let (path, depth, readAt) = queue.removeFirst()
            guard collected.files[path] == nil else { continue }
            let read = session.read(readAt, limit: maxFileSize)
            switch read {
            case .failed(let error) where error.endsHost:
                return end(error, at: path)
            case .content(let bytes) where depth < Self.maxIncludeDepth:
                collected.files[path] = read
                let root = chainRoot[path] ?? path
                let (included, failure) = expand(request.expandIncludes?(path, bytes) ?? [], root: root,
                                                 confinement: request.host.connection.includeConfinement,
                                                 session: session, into: &collected)
                for target in included where target.path != path {
                    if includedBy[target.path] == nil { includedBy[target.path] = path }
                    if chainRoot[target.path] == nil { chainRoot[target.path] = root }
                }
                queue.insert(contentsOf: included.map { ($0.path, depth + 1, $0.resolved) }, at: 0)
                if let failure { return end(failure, at: path) }
            default:
                collected.files[path] = read
            }
        }
        collected.seconds = elapsed()
        return collected
    }

    /// Records `paths` as not collected after `error` ended the host, with the files that
    /// include them, and says so in the host's failure: how many files were left and what to do.
    /// A file refused earlier for the same reason (sudo wanting a password) is one of them.
    static func markNotCollected(_ paths: [String], endedBy error: TransportError, includedBy: [String: String],
                                 in collected: inout HostCollection) {
        var cut = Set(paths).subtracting(collected.files.keys)
        for (path, read) in collected.files {
            if case .failed(let earlier) = read, earlier.kind == error.kind { cut.insert(path) }
        }
        for path in Array(cut) {
            var current = path
            var hops = 0
            while let parent = includedBy[current], hops <= maxIncludeDepth {
                cut.insert(parent)
                current = parent
                hops += 1
            }
        }
        for path in cut { collected.files[path] = nil }
        collected.notCollected = cut
        let count = cut.count
        var failure = error
        failure.message += "; \(count) file\(count == 1 ? " was" : "s were") not collected and "
            + "\(count == 1 ? "its" : "their") checks not evaluated" + (error.kind.advice.map { ": \($0)" } ?? "")
        collected.failure = failure
    }

    /// MySQL's include depth; also a guard against include cycles.
    static let maxIncludeDepth = 10

    /// The files to read for a list of include targets, listing directories as needed, each with
    /// the path it resolves to; the failure that ends the host when a question ran into one.
    /// A target outside `confinement` (by its name or through a symbolic link) is recorded in
    /// `refusedIncludes` and never read or listed; one whose destination cannot be told is
    /// recorded as a failed read.
    private func expand(_ targets: [IncludeTarget], root: String, confinement: IncludeConfinement,
                        session: any TransportSession,
                        into collected: inout HostCollection) -> (paths: [(path: String, resolved: String)], endedBy: TransportError?) {
        var paths: [(path: String, resolved: String)] = []
        /// Where `path` leads when it may be read; `nil` after recording why not.
        func confined(_ path: String) -> (resolved: String?, endsHost: TransportError?) {
            switch confinement.check(path, includedFrom: root, session: session) {
            case .allowed(let resolved): return (resolved, nil)
            case .refused(let reason):
                collected.refusedIncludes[path] = reason
            case .missing:
                collected.files[path] = .missing
            case .unknown(let error):
                if error.endsHost { return (nil, error) }
                var failure = error
                failure.message = "cannot tell where it leads, so it was not read: " + error.message
                collected.files[path] = .failed(failure)
            }
            return (nil, nil)
        }
        for target in targets {
            switch target {
            case .file(let path):
                let (resolved, failure) = confined(path)
                if let failure { return (paths, failure) }
                if let resolved { paths.append((path, resolved)) }
            case .directory(let directory, let accepts):
                let listing: DirectoryListing
                if let known = collected.directories[directory] {
                    listing = known
                } else if collected.refusedIncludes[directory] != nil {
                    continue
                } else {
                    switch confinement.check(directory, includedFrom: root, session: session) {
                    case .allowed(let resolved): listing = session.list(resolved)
                    case .refused(let reason):
                        collected.refusedIncludes[directory] = reason
                        continue
                    case .missing: listing = .missing
                    case .unknown(let error): listing = .failed(error)
                    }
                }
                if case .failed(let error) = listing, error.endsHost { return (paths, error) }
                collected.directories[directory] = listing
                if case .entries(let names) = listing {
                    let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
                    for name in names.filter(accepts).sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                        let path = base + "/" + name
                        guard collected.files[path] == nil, collected.refusedIncludes[path] == nil else { continue }
                        let (resolved, failure) = confined(path)
                        if let failure { return (paths, failure) }
                        if let resolved { paths.append((path, resolved)) }
                    }
                }
            }
        }
        return (paths, nil)
    }
}
