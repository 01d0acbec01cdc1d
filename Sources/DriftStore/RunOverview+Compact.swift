import DriftCore

/// The run's overview and a host's part of it in the compact layout (`CompactWriter`): the
/// overview is read by every report and by the next night's comparison, and a host's part
/// by every reused host. Findings are written as a finding set writes them
/// (`FindingSetCodec`), sharing the blob's text table.
extension RunOverview {
    static let magic: [UInt8] = [0, UInt8(ascii: "S"), UInt8(ascii: "O"), UInt8(ascii: "1")]

    /// The overview as stored: the same overview always gives the same bytes.
    package var storedBytes: [UInt8] {
        var writer = CompactWriter()
        writer.count(hosts.count)
        for host in hosts { host.write(to: &writer) }
        FindingSetCodec.write(hosted: attention, to: &writer)
        FindingSetCodec.write(hosted: waived, to: &writer)
        writer.count(files.count)
        for file in files {
            writer.text(file.path)
            writer.count(file.hosts)
            file.tally.write(to: &writer)
        }
        writer.count(rules.count)
        for rule in rules { rule.write(to: &writer) }
        writer.count(problems.count)
        for problem in problems { problem.write(to: &writer) }
        return writer.finish(magic: Self.magic)
    }

    /// An overview as stored: in the compact layout, or as canonical JSON (runs stored before
    /// it); `nil` for bytes that are neither.
    package static func stored(_ bytes: [UInt8]) -> RunOverview? {
        guard bytes.starts(with: magic) else { return CanonicalJSON.decode(RunOverview.self, from: bytes) }
        do {
            var reader = try CompactReader(bytes, magic: magic)
            var hosts: [Host] = []
            for _ in 0..<(try reader.count()) { hosts.append(try Host(reading: &reader)) }
            let attention = try FindingSetCodec.readHostedFindings(from: &reader)
            let waived = try FindingSetCodec.readHostedFindings(from: &reader)
            var files: [File] = []
            for _ in 0..<(try reader.count()) {
                files.append(File(path: try reader.text(), hosts: try reader.count(), tally: try FindingTally(reading: &reader)))
            }
            var rules: [Rule] = []
            for _ in 0..<(try reader.count()) { rules.append(try Rule(reading: &reader)) }
            var problems: [Problem] = []
            for _ in 0..<(try reader.count()) { problems.append(try Problem(reading: &reader)) }
            try reader.end()
            return RunOverview(hosts: hosts, attention: attention, waived: waived, files: files, rules: rules, problems: problems)
        } catch {
            return nil
        }
    }
}

extension RunOverview.Host {
    func write(to writer: inout CompactWriter) {
        writer.text(name)
        writer.texts(roles.map(\.rawValue))
        writer.texts(services.map(\.rawValue))
        writer.text(error)
        writer.text(errorKind)
        writer.counts(files)
        guide.write(to: &writer)
        upgrade.write(to: &writer)
        writer.texts(legacyAlgorithms)
        writer.flag(fileFailures != nil)
        if let fileFailures {
            writer.count(fileFailures.count)
            for failure in fileFailures {
                writer.text(failure.path)
                writer.text(failure.status.rawValue)
                writer.text(failure.reason)
                writer.int(failure.line)
            }
        }
    }

    init(reading reader: inout CompactReader) throws(CompactCodingError) {
        self.init(name: try reader.text(),
                  roles: try reader.raws(Role.self), services: try reader.raws(GuideService.self),
                  error: try reader.optionalText(), errorKind: try reader.optionalText(), files: try reader.counts(),
                  guide: try FindingTally(reading: &reader), upgrade: try FindingTally(reading: &reader),
                  legacyAlgorithms: try reader.textList() ?? [])
        if try reader.flag() {
            var failures: [RunOverview.FileFailure] = []
            for _ in 0..<(try reader.count()) {
                failures.append(RunOverview.FileFailure(path: try reader.text(), status: try reader.raw(FileResult.Status.self),
                                                        reason: try reader.optionalText(), line: try reader.optionalInt()))
            }
            fileFailures = failures
        }
    }
}

extension RunOverview.Rule {
    func write(to writer: inout CompactWriter) {
        writer.text(id)
        writer.text(title)
        writer.text(category.rawValue)
        tally.write(to: &writer)
    }

    init(reading reader: inout CompactReader) throws(CompactCodingError) {
        self.init(id: try reader.text(), title: try reader.text(), category: try reader.raw(FindingCategory.self),
                  tally: try FindingTally(reading: &reader))
    }
}

extension Problem {
    func write(to writer: inout CompactWriter) {
        writer.text(id)
        writer.text(kind.rawValue)
        writer.text(category.rawValue)
        writer.text(title)
        writer.text(severity.rawValue)
        writer.text(status.rawValue)
        writer.text(host)
        writer.text(file)
        writer.int(line)
        writer.text(section)
        writer.text(key)
        writer.text(advice)
        writer.texts(hosts)
        writer.texts(findings)
        writer.count(consequences)
        writer.text(fileStatus?.rawValue)
        writer.flag(needsHuman)
        writer.flag(secret)
    }

    init(reading reader: inout CompactReader) throws(CompactCodingError) {
        let id = try reader.text(), kind = try reader.raw(Kind.self), category = try reader.raw(FindingCategory.self)
        let title = try reader.text(), severity = try reader.raw(Severity.self), status = try reader.raw(FindingStatus.self)
        let host = try reader.text(), file = try reader.optionalText(), line = try reader.optionalInt()
        let section = try reader.optionalText(), key = try reader.optionalText(), advice = try reader.text()
        let hosts = try reader.textList() ?? [], findings = try reader.textList() ?? [], consequences = try reader.count()
        let fileStatus: FileResult.Status?
        if let raw = try reader.optionalText() {
            guard let status = FileResult.Status(rawValue: raw) else { throw CompactCodingError() }
            fileStatus = status
        } else {
            fileStatus = nil
        }
        self.init(id: id, kind: kind, category: category, title: title, severity: severity, status: status, host: host,
                  file: file, line: line, section: section, key: key, advice: advice, hosts: hosts, findings: findings,
                  consequences: consequences, fileStatus: fileStatus, needsHuman: try reader.flag(), secret: try reader.flag())
    }
}

extension RunOverview.HostPart {
    package func write(to writer: inout CompactWriter) {
        host.write(to: &writer)
        FindingSetCodec.write(attention, to: &writer)
        FindingSetCodec.write(waived, to: &writer)
        writer.count(files.count)
        for path in files.keys.sorted() {
            writer.text(path)
            files[path]!.write(to: &writer)
        }
        writer.count(rules.count)
        for rule in rules { rule.write(to: &writer) }
    }

    package init(reading reader: inout CompactReader) throws(CompactCodingError) {
        let host = try RunOverview.Host(reading: &reader)
        let attention = try FindingSetCodec.readFindings(from: &reader, host: host.name)
        let waived = try FindingSetCodec.readFindings(from: &reader, host: host.name)
        var files: [String: FindingTally] = [:]
        for _ in 0..<(try reader.count()) {
            let path = try reader.text()
            guard files.updateValue(try FindingTally(reading: &reader), forKey: path) == nil else { throw CompactCodingError() }
        }
        let ruleCount = try reader.count()
        var rules: [RunOverview.Rule] = []
        rules.reserveCapacity(min(ruleCount, reader.remaining / 4))
        for _ in 0..<ruleCount { rules.append(try RunOverview.Rule(reading: &reader)) }
        self.init(host: host, attention: attention, waived: waived, files: files, rules: rules)
    }
}
