import DriftCore
import DriftParsing
import DriftTransport
import Foundation

/// A file on this machine read the way an audit reads a node's, for `stackdrift parse`: through
/// the local transport from a tree standing in for '/' (`--root`, else '/' itself), with its
/// includes followed only inside their confinement. Run as root, `parse` of a my.cnf that
/// includes `/etc/shadow` must not print it either.
package struct LocalFileRead {
    /// The file's bytes, as read.
    package var bytes: [UInt8]
    /// Its includes, as collected (refused ones refused).
    package var includes: CollectedFiles

    /// Why the file could not be read, as `parse` prints it.
    package struct Failure: Error, Sendable {
        package var message: String
        /// Whether the command line was wrong (exit 64) rather than the file unreadable (exit 2).
        package var isUsage: Bool
    }

    /// Reads `file` (a path on this machine, inside `root` when one is given) and what it includes.
    package static func read(_ file: String, format: ConfigFormat, root: String?,
                            confinement: IncludeConfinement = IncludeConfinement()) -> Result<LocalFileRead, Failure> {
        let absolute = URL(fileURLWithPath: file).standardizedFileURL.path
        let tree = root.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? "/"
        let inTree: String
        if tree == "/" {
            inTree = absolute
        } else if absolute.hasPrefix(tree + "/") {
            inTree = String(absolute.dropFirst(tree.count))
        } else {
            return .failure(Failure(message: "'\(file)' is not inside --root '\(tree)'", isUsage: true))
        }
        var connection = ConnectionSettings(transport: .local, root: tree)
        connection.includeConfinement = confinement
        let host = InventoryHost(name: "localhost", roles: [.controller], connection: connection)
        let collection = Collector(transports: [.local: LocalTransport()], jobs: 1)
            .collect(CollectionRequest(host: host, paths: [inTree], expandIncludes: { _, content in
                Auditor.includeTargets(of: format, content)
            }))
        if let failure = collection.failure, collection.files[inTree] == nil {
            return .failure(Failure(message: "cannot read '\(file)': \(failure.message)", isUsage: false))
        }
        switch collection.files[inTree] ?? .missing {
        case .content(let bytes): return .success(LocalFileRead(bytes: bytes, includes: CollectedFiles(collection: collection)))
        case .missing: return .failure(Failure(message: "cannot read '\(file)': no such file", isUsage: false))
        case .failed(let error): return .failure(Failure(message: "cannot read '\(file)': \(error.message)", isUsage: false))
        }
    }
}
