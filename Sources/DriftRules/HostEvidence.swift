import DriftCore

/// Everything collected from one host that rules are evaluated against.
package struct HostEvidence: Sendable {
    package var host: InventoryHost
    /// Files by absolute path on the host; paths the audit did not ask for are absent.
    package var files: [String: FileState]
    /// Facts derived from files (`cpu-virtualization`); a missing fact could not be read.
    package var facts: [HostFact: String]

    package init(host: InventoryHost, files: [String: FileState], facts: [HostFact: String] = [:]) {
        self.host = host
        self.files = files
        self.facts = facts
    }

    /// The parsed document of a file, if it was read and parsed.
    package func document(_ path: String) -> ConfigDocument? {
        if case .parsed(let document) = files[path] { return document }
        return nil
    }
}
