import DriftCore
import Foundation

/// The machine-readable report: the contract CI jobs and dashboards parse.
///
/// Layout (see `Reports/report.schema.json`): `schema`, `run`, `summary`,
/// `hosts`, `findings`, `changes`. Keys keep this order, absent values are `null`, and
/// findings and files are sorted, so two reports of the same state differ
/// only in run metadata. Files' contents are never included; `changes` holds line
/// diffs of their redacted text.
package enum JSONReport {
    /// Bumped on any incompatible change to the layout.
    package static let schemaVersion = "stackdrift-report/1"

    package static func render(_ run: AuditRun) -> String {
        // Rendering into a string cannot fail: a run in memory has nothing to read.
        (try? String.report { try write(run, to: $0) }) ?? ""
    }

    /// Writes the report host by host: the hosts' files in one pass over the run, their
    /// findings in a second, so only one host's findings are in memory at a time.
    package static func write(_ run: any ReportableRun, to sink: any ReportSink) throws {
        var text = ReportText(sink)
        let header = run.header, overview = run.overview
        let index = ProblemIndex(overview)
        try JSONValue.writeStreamed([
            ("schema", .value(.string(schemaVersion))),
            ("run", .value(runObject(header))),
            ("summary", .value(summary(header, overview))),
            ("problems", .value(.array(overview.problems.map(problem)))),
            ("hosts", .elements { emit in
                try run.forEachHost(only: nil, parts: .files) { result, _ in try emit(host(result)) }
            }),
            ("findings", .written { emit in
                // Hosts are read one at a time, in order, on this thread; each batch of them is
                // printed on every core while the next is read, and written in order.
                var batch: [[Finding]] = []
                var printing: BatchPrinting?
                func finishPrinting() throws {
                    guard let previous = printing else { return }
                    printing = nil
                    for text in previous.texts() where !text.isEmpty { try emit { $0 += text } }
                }
                try run.forEachHost(only: nil, parts: .findings) { _, findings in
                    batch.append(findings)
                    guard batch.count == Self.hostsPerBatch else { return }
                    try finishPrinting()
                    printing = BatchPrinting(batch, index: index)
                    batch = []
                }
                try finishPrinting()
                for text in printed(batch, index: index) where !text.isEmpty { try emit { $0 += text } }
            }),
            ("changes", .value(run.changes.map(changes) ?? .null)),
        ], to: &text)
        try text.flush()
    }

    /// Hosts whose findings are printed together: enough to keep every core busy, few enough
    /// that their text (about 80 KB a host) stays small.
    static let hostsPerBatch = 64

    /// Each host's findings as consecutive elements of the `findings` array (separated as
    /// `JSONValue.writeStreamed` separates elements), printed concurrently; empty for a host without.
    static func printed(_ hosts: [[Finding]], index: ProblemIndex) -> [[UInt8]] {
        let texts = PrintedHosts(count: hosts.count)
        DispatchQueue.concurrentPerform(iterations: hosts.count) { position in
            var text: [UInt8] = []
            for finding in hosts[position] {
                if !text.isEmpty { text += JSONValue.elementSeparator.utf8 }
                let id = finding.id
                write(finding, id: id, problem: index.problemOf[id], to: &text)
            }
            texts.set(position, text)
        }
        return texts.all
    }

    static func runObject(_ run: RunHeader) -> JSONValue {
        .object([
            ("id", run.id.map { .int($0) } ?? .null),
            ("started", .string(timestamp(run.startedAt))),
            ("finished", .string(timestamp(run.finishedAt))),
            ("tool_version", .string(run.toolVersion)),
            ("inventory", .string(run.inventory)),
            ("architecture", .string(run.architecture.rawValue)),
            ("exit_code", .int(Int64(run.exitCode))),
        ])
    }

    /// Counts: hosts and files, then guide checks; upgrade checks (`--upgrade-to`) are counted
    /// apart under `upgrade`, null when the run had none.
    static func summary(_ run: RunHeader, _ overview: RunOverview) -> JSONValue {
        func files(_ status: FileResult.Status) -> JSONValue { .int(Int64(overview.files(status))) }
        let upgrade: JSONValue = run.upgrade.map { target in
            .object([("from", .string(target.from)), ("to", .string(target.to))] + checks(overview.tally(.upgrade)))
        } ?? .null
        return .object([
            ("hosts", .int(Int64(overview.hosts.count))),
            ("hosts_failed", .int(Int64(overview.failedHosts))),
            ("files", .int(Int64(overview.fileCount))),
            ("files_parsed", files(.parsed)),
            ("files_missing", files(.missing)),
            ("files_unreadable", files(.unreadable)),
            ("files_unparseable", files(.unparseable)),
            ("files_not_collected", files(.notCollected)),
        ] + checks(overview.tally(.guide)) + [("problems", problemCounts(overview.problems)), ("upgrade", upgrade)])
    }

    /// Problems by severity, most severe first, and in all.
    static func problemCounts(_ problems: [Problem]) -> JSONValue {
        .object([("total", .int(Int64(problems.count)))]
            + Severity.allCases.reversed().map { severity in
                (severity.rawValue, .int(Int64(problems.count { $0.severity == severity })))
            })
    }

    /// One problem: its root, what to do, and its findings by id.
    static func problem(_ problem: Problem) -> JSONValue {
        .object([
            ("id", .string(problem.id)),
            ("kind", .string(problem.kind.rawValue)),
            ("category", .string(problem.category.rawValue)),
            ("title", .string(problem.title)),
            ("severity", .string(problem.severity.rawValue)),
            ("status", .string(problem.status.rawValue)),
            ("host", .string(problem.host)),
            ("file", .string(problem.file)),
            ("line", .int(problem.line)),
            ("section", .string(problem.section)),
            ("key", .string(problem.key)),
            ("file_status", .string(problem.fileStatus?.rawValue)),
            ("advice", .string(problem.advice)),
            ("hosts", .array(problem.hosts.map(JSONValue.string))),
            ("findings", .array(problem.findings.map(JSONValue.string))),
            ("consequences", .int(Int64(problem.consequences))),
            ("needs_human", .bool(problem.needsHuman)),
            ("secret", .bool(problem.secret)),
        ])
    }

    /// Check counts of one category of findings.
    static func checks(_ tally: FindingTally) -> [(String, JSONValue)] {
        [("checks", .int(Int64(tally.total)))]
            + [FindingStatus.pass, .fail, .error, .waived, .skipped].map { ($0.rawValue, .int(Int64(tally[$0]))) }
            + [("failing_by_severity", .object(Severity.allCases.reversed().map { ($0.rawValue, .int(Int64(tally.failing($0)))) }))]
    }

    static func host(_ host: HostResult) -> JSONValue {
        .object([
            ("name", .string(host.name)),
            ("roles", .array(host.roles.map { .string($0.rawValue) })),
            ("services", .array(host.services.map { .string($0.rawValue) })),
            ("status", .string(host.collected ? "collected" : "failed")),
            ("error_kind", .string(host.errorKind)),
            ("error", .string(host.error)),
            ("legacy_algorithms", .array(host.legacyAlgorithms.map { .string($0) })),
            ("files", .array(host.files.sorted { $0.path < $1.path }.map { file in
                .object([
                    ("path", .string(file.path)),
                    ("status", .string(file.status.rawValue)),
                    ("format", .string(file.format?.rawValue)),
                    ("reason", .string(file.reason)),
                    ("line", .int(file.line)),
                ])
            })),
        ])
    }

    /// One finding, compact, written straight into the report's text: a fleet's findings are
    /// most of the report, too many to build a `JSONValue` tree for each. Prints as that tree
    /// would (keys in this order, absent values `null`).
    static func write(_ finding: Finding, id: String, problem: String?, to output: inout [UInt8]) {
        CompactObject.write(into: &output) { object in write(finding, id: id, problem: problem, into: &object) }
    }

    private static func write(_ finding: Finding, id: String, problem: String?, into object: inout CompactObject) {
        object.string("id", id)
        object.string("problem", problem)
        object.string("rule", finding.rule)
        object.string("category", finding.category.rawValue)
        object.string("title", finding.title)
        object.string("host", finding.host)
        object.string("file", finding.file)
        object.string("section", finding.section)
        object.string("key", finding.key)
        object.string("status", finding.status.rawValue)
        object.string("severity", finding.severity.rawValue)
        object.string("expected", finding.expected)
        object.string("actual", finding.actual)
        object.bool("secret", finding.secret)
        object.int("line", finding.line)
        object.string("message", finding.message)
        object.object("guide", finding.guide) { guide, inner in
            inner.int("chapter", guide.chapter)
            inner.string("section", guide.section)
            inner.string("step", guide.step)
        }
        object.string("fix", finding.fix)
        object.value("remedy", remedy(finding.remedy))
        object.object("waiver", finding.waiver) { waiver, inner in
            inner.string("reason", waiver.reason)
            inner.string("expires", waiver.expires)
            inner.bool("expired", waiver.expired)
            inner.string("defined_at", waiver.definedAt.description)
        }
        object.strings("items", finding.items)
        object.object("source", finding.origin) { origin, inner in
            inner.string("kind", origin.kind.rawValue)
            inner.string("option", origin.option)
            inner.strings("defined_at", origin.definedAt)
        }
        object.object("reference", finding.reference) { place, inner in
            inner.string("host", place.host)
            inner.string("file", place.file)
            inner.string("section", place.section)
            inner.string("key", place.key)
            inner.int("line", place.line)
        }
    }

    /// What changed since the previous run: counts, changed files with their diffs, and the
    /// findings newly failing, fixed and still failing (identified, not repeated in full).
    static func changes(_ changes: RunChanges) -> JSONValue {
        .object([
            ("previous_run", .object([
                ("id", .int(changes.previousRunID)),
                ("started", .string(timestamp(changes.previousStartedAt))),
            ])),
            ("summary", .object(
                FindingChange.Kind.allCases.map { ("findings_" + $0.rawValue.replacingOccurrences(of: "-", with: "_"),
                                                    .int(Int64(changes.count($0)))) }
                + FileChange.Kind.allCases.map { ("files_" + $0.rawValue, .int(Int64(changes.count($0)))) }
                + [("files_unchanged", .int(Int64(changes.unchangedFiles)))]
                + ProblemChange.Kind.allCases.map { ("problems_" + $0.rawValue.replacingOccurrences(of: "-", with: "_"),
                                                     .int(Int64(changes.count($0)))) }
            )),
            ("files", .array(changes.files.sorted { ($0.host, $0.path) < ($1.host, $1.path) }.map { file in
                .object([
                    ("host", .string(file.host)),
                    ("path", .string(file.path)),
                    ("change", .string(file.kind.rawValue)),
                    ("hunks", .array(file.hunks.map { hunk in
                        .object([
                            ("header", .string(hunk.header)),
                            ("lines", .array(hunk.lines.map { .string(String($0.kind.marker) + $0.text) })),
                        ])
                    })),
                ])
            })),
            ("findings", .array(changes.findings.sorted { lhs, rhs in
                lhs.kind == rhs.kind ? Finding.reportOrder(lhs.finding, rhs.finding)
                    : FindingChange.Kind.allCases.firstIndex(of: lhs.kind)! < FindingChange.Kind.allCases.firstIndex(of: rhs.kind)!
            }.map { change in
                .object([
                    ("change", .string(change.kind.rawValue)),
                    ("rule", .string(change.finding.rule)),
                    ("host", .string(change.finding.host)),
                    ("file", .string(change.finding.file)),
                    ("section", .string(change.finding.section)),
                    ("key", .string(change.finding.key)),
                    ("status", .string(change.finding.status.rawValue)),
                    ("severity", .string(change.finding.severity.rawValue)),
                    ("line", .int(change.finding.line)),
                    ("category", .string(change.finding.category.rawValue)),
                ])
            })),
            ("problems", .array(changes.problems.map { change in
                .object([
                    ("change", .string(change.kind.rawValue)),
                    ("id", .string(change.problem.id)),
                    ("title", .string(change.problem.title)),
                    ("severity", .string(change.problem.severity.rawValue)),
                    ("host", .string(change.problem.host)),
                    ("file", .string(change.problem.file)),
                    ("section", .string(change.problem.section)),
                    ("key", .string(change.problem.key)),
                    ("reason", .string(change.reason)),
                ])
            })),
        ])
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}

/// One batch of hosts being printed in the background (`JSONReport.printed`), while the
/// thread that reads the stored run goes on to the next batch.
private final class BatchPrinting: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    /// Written once by the printing thread before `done` is signalled, read only after it.
    private var printed: [[UInt8]] = []

    init(_ hosts: [[Finding]], index: ProblemIndex) {
        DispatchQueue.global().async {
            self.printed = JSONReport.printed(hosts, index: index)
            self.done.signal()
        }
    }

    /// The batch's texts, once printed.
    func texts() -> [[UInt8]] {
        done.wait()
        return printed
    }
}

/// The texts `JSONReport.printed` makes, one slot per host, filled from several threads.
private final class PrintedHosts: @unchecked Sendable {
    private let lock = NSLock()
    private var texts: [[UInt8]]

    init(count: Int) { texts = Array(repeating: [], count: count) }

    func set(_ position: Int, _ text: [UInt8]) {
        lock.lock()
        texts[position] = text
        lock.unlock()
    }

    var all: [[UInt8]] {
        lock.lock()
        defer { lock.unlock() }
        return texts
    }
}

/// A compact JSON object written member by member, as UTF-8, as `JSONValue.object` prints
/// without indentation. It holds the text while it writes (`write(into:)` swaps it in and
/// out, so the text's storage is appended to in place).
private struct CompactObject {
    private var text: [UInt8] = []
    private var first = true

    /// Writes `{`, the members `body` writes, and `}` at the end of `output`.
    static func write(into output: inout [UInt8], _ body: (inout CompactObject) -> Void) {
        var object = CompactObject()
        swap(&object.text, &output)
        object.text.append(UInt8(ascii: "{"))
        body(&object)
        object.text.append(UInt8(ascii: "}"))
        swap(&object.text, &output)
    }

    private mutating func key(_ name: StaticString) {
        if !first { text.append(UInt8(ascii: ",")) }
        first = false
        text.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { text += $0 }
        text.append(UInt8(ascii: "\""))
        text.append(UInt8(ascii: ":"))
    }

    private mutating func null() { text += "null".utf8 }

    mutating func string(_ name: StaticString, _ value: String?) {
        key(name)
        if let value { JSONValue.writeString(value, to: &text) } else { null() }
    }

    mutating func int(_ name: StaticString, _ value: Int?) {
        key(name)
        if let value { text += String(value).utf8 } else { null() }
    }

    mutating func bool(_ name: StaticString, _ value: Bool) {
        key(name)
        text += (value ? "true" : "false").utf8
    }

    mutating func strings(_ name: StaticString, _ values: [String]?) {
        key(name)
        guard let values else { return null() }
        text.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { text.append(UInt8(ascii: ",")) }
            JSONValue.writeString(value, to: &text)
        }
        text.append(UInt8(ascii: "]"))
    }

    mutating func value(_ name: StaticString, _ value: JSONValue) {
        key(name)
        var rendered = ""
        value.write(to: &rendered, indent: nil)
        text += rendered.utf8
    }

    /// A nested object, or `null` without a value.
    mutating func object<Value>(_ name: StaticString, _ value: Value?, _ members: (Value, inout CompactObject) -> Void) {
        key(name)
        guard let value else { return null() }
        Self.write(into: &text) { members(value, &$0) }
    }
}
