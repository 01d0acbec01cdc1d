import DriftCore

/// A host's part of the overview in the compact layout, inside its stored evaluation: what a
/// reused host adds to the run without its findings being decoded. Findings are written as a
/// finding set writes them (`FindingSetCodec`), sharing the blob's text table.
extension RunOverview.HostPart {
    package func write(to writer: inout CompactWriter) {
        writer.text(host.name)
        writer.texts(host.roles.map(\.rawValue))
        writer.texts(host.services.map(\.rawValue))
        writer.text(host.error)
        writer.text(host.errorKind)
        writer.counts(host.files)
        host.guide.write(to: &writer)
        host.upgrade.write(to: &writer)
        writer.texts(host.legacyAlgorithms)
        writer.flag(host.fileFailures != nil)
        if let failures = host.fileFailures { writer.count(failures.count) }
        for failure in host.fileFailures ?? [] {
            writer.text(failure.path)
            writer.text(failure.status.rawValue)
            writer.text(failure.reason)
            writer.int(failure.line)
        }
        FindingSetCodec.write(attention, to: &writer)
        FindingSetCodec.write(waived, to: &writer)
        writer.count(files.count)
        for path in files.keys.sorted() {
            writer.text(path)
            files[path]!.write(to: &writer)
        }
        writer.count(rules.count)
        for rule in rules {
            writer.text(rule.id)
            writer.text(rule.title)
            writer.text(rule.category.rawValue)
            rule.tally.write(to: &writer)
        }
    }

    package init(reading reader: inout CompactReader) throws(CompactCodingError) {
        let name = try reader.text()
        var host = RunOverview.Host(
            name: name,
            roles: try (reader.textList() ?? []).map { (raw: String) throws(CompactCodingError) -> Role in
                guard let role = Role(rawValue: raw) else { throw CompactCodingError() }
                return role
            },
            services: try (reader.textList() ?? []).map { (raw: String) throws(CompactCodingError) -> GuideService in
                guard let service = GuideService(rawValue: raw) else { throw CompactCodingError() }
                return service
            },
            error: try reader.optionalText(), errorKind: try reader.optionalText(), files: try reader.counts(),
            guide: try FindingTally(reading: &reader), upgrade: try FindingTally(reading: &reader),
            legacyAlgorithms: try reader.textList() ?? [])
        if try reader.flag() {
            var failures: [RunOverview.FileFailure] = []
            for _ in 0..<(try reader.count()) {
                failures.append(RunOverview.FileFailure(path: try reader.text(), status: try reader.raw(FileResult.Status.self),
                                                        reason: try reader.optionalText(), line: try reader.optionalInt()))
            }
            host.fileFailures = failures
        }
        let attention = try FindingSetCodec.readFindings(from: &reader, host: name)
        let waived = try FindingSetCodec.readFindings(from: &reader, host: name)
        var files: [String: FindingTally] = [:]
        for _ in 0..<(try reader.count()) {
            let path = try reader.text()
            guard files.updateValue(try FindingTally(reading: &reader), forKey: path) == nil else { throw CompactCodingError() }
        }
        let ruleCount = try reader.count()
        var rules: [RunOverview.Rule] = []
        rules.reserveCapacity(min(ruleCount, reader.remaining / 4))
        for _ in 0..<ruleCount {
            rules.append(RunOverview.Rule(id: try reader.text(), title: try reader.text(),
                                          category: try reader.raw(FindingCategory.self), tally: try FindingTally(reading: &reader)))
        }
        self.init(host: host, attention: attention, waived: waived, files: files, rules: rules)
    }
}
