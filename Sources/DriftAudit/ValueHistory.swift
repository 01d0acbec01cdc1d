import DriftCore
import DriftParsing
import DriftRules
import DriftStore
import Foundation

/// A value a key had in a host's history, from the run where it first had it.
package struct ValueVersion: Sendable, Hashable {
    package var runID: Int64
    package var startedAt: Date
    /// Every value of the key in reading order (redacted where secret); empty when unset.
    package var values: [String]
    /// Line of the effective value; `nil` when unset.
    package var line: Int?
    /// The file holding the effective value (an included file for MySQL); `nil` when unset.
    package var file: String?
    /// Why no value could be read: file missing, unparseable.
    package var note: String?

    package init(runID: Int64, startedAt: Date, values: [String], line: Int?, file: String? = nil, note: String?) {
        self.runID = runID
        self.startedAt = startedAt
        self.values = values
        self.line = line
        self.file = file
        self.note = note
    }
}

/// Every value one key has had on a host, read from the stored (redacted) versions of its
/// file, each parsed as the consuming program reads it.
package enum ValueHistory {
    /// One entry per run where the key's values changed, oldest first. Secrets show as their
    /// redaction tags: a changed secret shows as changed, never as itself.
    package static func values(store: SnapshotStore, host: String, path: String, section: String?, key: String,
                              ruleSet: RuleSet) throws -> [ValueVersion] {
        let format = ruleSet.format(forFile: path) ?? FormatDetector.format(forPath: path)
        var versions: [ValueVersion] = []
        for version in try store.history(host: host, path: path) {
            var entry = ValueVersion(runID: version.runID, startedAt: version.startedAt, values: [], line: nil, note: nil)
            if let content = version.content, let format {
                do {
                    let includes = StoredIncludes(store: store, run: version.runID, host: host)
                    let document = try DocumentParser.parse(content, path: path, format: format, secrets: ruleSet.secrets,
                                                            includes: includes)
                    let effective = document.effectiveEntry(section: section, key: key)
                    entry.values = document.entries(section: section, key: key).map(\.value.text)
                    entry.line = effective?.line
                    entry.file = effective?.span.file
                } catch {
                    entry.note = "not parseable (\(error))"
                }
            } else if version.content == nil {
                entry.note = "file \(version.status)"
            } else {
                entry.note = "format unknown"
            }
            if let last = versions.last, last.values == entry.values, last.note == entry.note { continue }
            versions.append(entry)
        }
        return versions
    }
}

/// Includes resolved from what the same run stored of the host (MySQL's `!includedir`).
struct StoredIncludes: IncludeResolver {
    let store: SnapshotStore
    let run: Int64
    let host: String

    func read(_ path: String) -> IncludeRead {
        ((try? store.content(run: run, host: host, path: path)) ?? nil).map(IncludeRead.content) ?? .missing
    }

    func list(_ directory: String) -> DirectoryRead {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        let names = ((try? store.files(run: run, host: host)) ?? []).filter { $0.hasPrefix(prefix) }
            .map { String($0.dropFirst(prefix.count)) }.filter { !$0.contains("/") }
        return names.isEmpty ? .missing : .entries(names)
    }
}
