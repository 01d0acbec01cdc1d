import DriftCore

/// A file or directory that a collected file includes, to fetch in the same session.
package enum IncludeTarget: Sendable {
    case file(String)
    /// A directory whose entries accepted by the filter are read, in byte order of their names.
    case directory(String, accepts: @Sendable (String) -> Bool)
}

/// Finds what a file includes from its path and content; the collector fetches those too,
/// recursively, so a parser can later resolve includes from what was collected.
package typealias IncludeExpander = @Sendable (_ path: String, _ content: [UInt8]) -> [IncludeTarget]

/// What to fetch from one host.
package struct CollectionRequest: Sendable {
    package var host: InventoryHost
    /// Absolute paths on the host.
    package var paths: [String]
    package var expandIncludes: IncludeExpander?

    package init(host: InventoryHost, paths: [String], expandIncludes: IncludeExpander? = nil) {
        self.host = host
        self.paths = paths
        self.expandIncludes = expandIncludes
    }
}

/// What came back from one host: every requested file's outcome, or the reason the host failed.
package struct HostCollection: Sendable {
    package var host: InventoryHost
    /// Why the host's collection ended early: it could not be reached at all (`files` is
    /// then empty), or it failed part-way (`notCollected` lists what it was never asked).
    package var failure: TransportError?
    /// Every file answered: the requested ones and those they include.
    package var files: [String: FileRead]
    /// Paths the host was never asked about (or whose answer was cut off) because its
    /// collection ended first, `failure` saying why, and the files that include them (their
    /// effective configuration is incomplete). Never in `files`: such a file is neither
    /// missing nor present, so its checks are not evaluated.
    package var notCollected: Set<String>
    /// Directories listed while following includes.
    package var directories: [String: DirectoryListing]
    /// Include targets (files and directories) never read because they lead outside the host's
    /// include confinement, with why ("outside /etc/mysql").
    package var refusedIncludes: [String: String] = [:]
    /// Wall-clock seconds spent on the host.
    package var seconds: Double

    package init(host: InventoryHost, failure: TransportError? = nil, files: [String: FileRead] = [:],
                notCollected: Set<String> = [], directories: [String: DirectoryListing] = [:], seconds: Double = 0) {
        self.host = host
        self.failure = failure
        self.files = files
        self.notCollected = notCollected
        self.directories = directories
        self.seconds = seconds
    }
}
