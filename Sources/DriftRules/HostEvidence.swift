import DriftCore

/// Everything collected from one host that rules are evaluated against.
public struct HostEvidence: Sendable {
    public var host: InventoryHost
    /// Files by absolute path on the host; paths the audit did not ask for are absent.
    public var files: [String: FileState]

    public init(host: InventoryHost, files: [String: FileState]) {
        self.host = host
        self.files = files
    }
}
