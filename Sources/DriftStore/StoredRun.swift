import DriftCore
import Foundation

/// What the audit hands the store about one run. File contents are already
/// redacted: the store never sees a secret.
public struct StoredRun: Sendable {
    public struct Host: Sendable {
        public var name: String
        /// `nil` when the host was collected.
        public var errorKind: String?
        public var error: String?

        public init(name: String, errorKind: String? = nil, error: String? = nil) {
            self.name = name
            self.errorKind = errorKind
            self.error = error
        }
    }

    public struct File: Sendable {
        public enum Status: String, Sendable { case present, missing, unreadable }
        public var host: String
        public var path: String
        public var status: Status
        /// Redacted content, for present files.
        public var content: [UInt8]?
        public var error: String?

        public init(host: String, path: String, status: Status, content: [UInt8]? = nil, error: String? = nil) {
            self.host = host
            self.path = path
            self.status = status
            self.content = content
            self.error = error
        }
    }

    public var finishedAt: Date
    public var exitCode: Int
    public var hosts: [Host]
    public var files: [File]
    public var findings: [Finding]

    public init(finishedAt: Date, exitCode: Int, hosts: [Host], files: [File], findings: [Finding]) {
        self.finishedAt = finishedAt
        self.exitCode = exitCode
        self.hosts = hosts
        self.files = files
        self.findings = findings
    }
}

/// One row of `stackdrift runs`.
public struct RunSummary: Sendable, Hashable {
    public var id: Int64
    public var startedAt: String
    public var finishedAt: String?
    public var toolVersion: String
    public var inventory: String?
    public var status: String
    public var exitCode: Int?
}
