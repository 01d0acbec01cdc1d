import DriftCore
import Foundation

/// One host's part of a run as stored: its roles, services, collection error and files.
/// Stored once per distinct value (an unchanged host on an unchanged night is a reference),
/// so it holds no timestamps and lists files in path order.
struct HostManifest: Codable, Hashable {
    struct File: Codable, Hashable {
        var path: String
        var status: String
        var format: String?
        var reason: String?
        var line: Int?
        /// SHA-256 (hex) of the redacted content, for present files.
        var content: String?
    }

    var roles: [String]
    var services: [String]
    var errorKind: String?
    var error: String?
    var files: [File]
    /// The host's legacy SSH algorithms; absent when none, so that manifests of hosts without
    /// them encode as they always did (and an unchanged host still stores nothing new).
    var legacyAlgorithms: [String]?

    var collected: Bool { error == nil }

    static let magic: [UInt8] = [0, UInt8(ascii: "S"), UInt8(ascii: "M"), UInt8(ascii: "1")]

    /// The manifest as stored, in the compact layout (`CompactWriter`): every report and every
    /// night's comparison reads one per host.
    var storedBytes: [UInt8] {
        var writer = CompactWriter()
        writer.texts(roles)
        writer.texts(services)
        writer.text(errorKind)
        writer.text(error)
        writer.count(files.count)
        for file in files {
            writer.text(file.path)
            writer.text(file.status)
            writer.text(file.format)
            writer.text(file.reason)
            writer.int(file.line)
            writer.text(file.content)
        }
        writer.texts(legacyAlgorithms)
        return writer.finish(magic: Self.magic)
    }

    /// A manifest as stored: compact, or canonical JSON (runs stored before it); `nil` for bytes that are neither.
    static func stored(_ bytes: [UInt8]) -> HostManifest? {
        guard bytes.starts(with: magic) else { return CanonicalJSON.decode(HostManifest.self, from: bytes) }
        do {
            var reader = try CompactReader(bytes, magic: magic)
            let roles = try reader.textList() ?? [], services = try reader.textList() ?? []
            let errorKind = try reader.optionalText(), error = try reader.optionalText()
            let count = try reader.count()
            var files: [File] = []
            files.reserveCapacity(min(count, reader.remaining / 6))
            for _ in 0..<count {
                files.append(File(path: try reader.text(), status: try reader.text(), format: try reader.optionalText(),
                                  reason: try reader.optionalText(), line: try reader.optionalInt(), content: try reader.optionalText()))
            }
            let manifest = HostManifest(roles: roles, services: services, errorKind: errorKind, error: error, files: files,
                                        legacyAlgorithms: try reader.textList())
            try reader.end()
            return manifest
        } catch {
            return nil
        }
    }
}

/// A finding as stored in a host's finding set. Everything a report shows is kept, so a
/// stored run renders again exactly as it was reported.
struct FindingRecord: Codable, Hashable {
    struct Waiver: Codable, Hashable {
        var reason: String
        var expires: String
        var expired: Bool
        var file: String
        var line: Int
        var column: Int?
    }

    /// Where the judged value came from (`Finding.origin`); absent in findings stored before it existed.
    struct Origin: Codable, Hashable {
        var kind: String
        var option: String
        var definedAt: [String]
    }

    var rule: String
    var title: String
    var file: String
    var section: String?
    var key: String?
    var status: String
    var severity: String
    var expected: String?
    var actual: String?
    var line: Int?
    var message: String
    var guide: GuideReference?
    var fix: String?
    var secret: Bool
    var waiver: Waiver?
    var category: String
    /// Added in schema 4; absent from older finding sets.
    var items: [String]?
    var origin: Origin?
    /// Absent from findings without a remedy (passing checks, and every finding stored before remedies).
    var remedy: Remedy?
    /// The place a consistency finding was compared with (`Finding.reference`); absent for others.
    var reference: ValuePlace?
}

extension FindingRecord {
    init(_ finding: Finding) {
        rule = finding.rule
        title = finding.title
        file = finding.file
        section = finding.section
        key = finding.key
        status = finding.status.rawValue
        severity = finding.severity.rawValue
        expected = finding.expected
        actual = finding.actual
        line = finding.line
        message = finding.message
        guide = finding.guide
        fix = finding.fix
        secret = finding.secret
        waiver = finding.waiver.map {
            Waiver(reason: $0.reason, expires: $0.expires, expired: $0.expired, file: $0.definedAt.file,
                   line: $0.definedAt.line, column: $0.definedAt.column)
        }
        category = finding.category.rawValue
        items = finding.items
        origin = finding.origin.map { Origin(kind: $0.kind.rawValue, option: $0.option, definedAt: $0.definedAt) }
        remedy = finding.remedy
        reference = finding.reference
    }

    func finding(host: String) -> Finding {
        var finding = Finding(
            rule: rule, title: title, host: host, file: file, section: section, key: key,
            status: FindingStatus(rawValue: status) ?? .error, severity: Severity(rawValue: severity) ?? .medium,
            expected: expected, actual: actual, line: line, message: message,
            guide: guide, fix: fix,
            secret: secret, category: FindingCategory(rawValue: category) ?? .guide)
        finding.waiver = waiver.map {
            WaiverNote(reason: $0.reason, expires: $0.expires, expired: $0.expired,
                       definedAt: SourceLocation(file: $0.file, line: $0.line, column: $0.column))
        }
        finding.items = items
        finding.origin = origin.flatMap { stored in
            ValueOrigin.Kind(rawValue: stored.kind).map { ValueOrigin(kind: $0, option: stored.option, definedAt: stored.definedAt) }
        }
        finding.remedy = remedy
        finding.reference = reference
        return finding
    }
}

/// Canonical JSON: sorted keys, so one value always encodes to the same bytes and hash.
package enum CanonicalJSON {
    package static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        // Encoding these plain records cannot fail.
        Array((try? encoder().encode(value)) ?? Data())
    }

    private static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    package static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) -> T? {
        try? JSONDecoder().decode(type, from: Data(bytes))
    }
}
