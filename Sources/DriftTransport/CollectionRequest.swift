import DriftCore

/// What to fetch from one host.
public struct CollectionRequest: Sendable {
    public var host: InventoryHost
    /// Absolute paths on the host.
    public var paths: [String]

    public init(host: InventoryHost, paths: [String]) {
        self.host = host
        self.paths = paths
    }
}

/// What came back from one host: every requested file's outcome, or the reason the host failed.
public struct HostCollection: Sendable {
    public var host: InventoryHost
    /// Set when the host could not be reached at all; `files` is then empty.
    public var failure: TransportError?
    public var files: [String: FileRead]
    /// Wall-clock seconds spent on the host.
    public var seconds: Double

    public init(host: InventoryHost, failure: TransportError? = nil, files: [String: FileRead] = [:], seconds: Double = 0) {
        self.host = host
        self.failure = failure
        self.files = files
        self.seconds = seconds
    }
}
