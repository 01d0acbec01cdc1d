import DriftCore
import DriftParsing

/// The edit each matcher states to make a failing check pass, computed from the same effective
/// value the check judged and placed where the program reads it; or why only a person can.
extension ValueMatching {
    /// The remedy of a failing outcome on this file.
    func remedy(for outcome: Outcome, in file: FileState) -> Remedy {
        let instruction = outcome.fix ?? defaultInstruction(outcome)
        guard case .parsed(let document) = file else {
            return .manual("\(instruction) (by hand: '\(check.file)' does not exist, and stackdrift edits files, it does not create them)")
        }
        let plan: Plan
        do { plan = try edits(in: document) } catch { plan = .manual(.needsVariable) }
        switch plan {
        case .edits(let edits) where !edits.isEmpty:
            return .edits(edits)
        case .edits:
            return .manual("\(instruction) (by hand: \(ManualReason.noPlace.words))")
        case .manual(let reason):
            return .manual("\(instruction) (by hand: \(reason.words))")
        }
    }

    /// Why a failing check is left to a person.
    enum ManualReason {
        /// The change would show or remove a secret, or needs one.
        case secret
        /// The rule accepts many values (a pattern, any value): there is no one value to write.
        case choice
        /// The key is not set and what to write depends on the node (a pipeline, a device filter).
        case notSet
        /// The file's structure gives the entry no place stackdrift can write (an LVM block that does not exist).
        case noPlace
        /// Two keys hold different values and only the operator knows which is right.
        case conflict
        case needsVariable

        var words: String {
            switch self {
            case .secret: return "it involves a secret, which stackdrift never writes into a patch"
            case .choice: return "the rule accepts more than one value, so the value is yours to choose"
            case .notSet: return "the key is not set, and what it must hold depends on this node"
            case .noPlace: return "stackdrift cannot place the entry in this file's structure"
            case .conflict: return "both keys are set to different values; only you know which is right"
            case .needsVariable: return "the expected value needs an inventory variable this host lacks"
            }
        }
    }

    enum Plan {
        case edits([LineEdit])
        case manual(ManualReason)

        init(_ edits: [LineEdit]?, otherwise reason: ManualReason = .secret) {
            self = edits.map(Plan.edits) ?? .manual(reason)
        }

        init(_ edit: LineEdit?, otherwise reason: ManualReason = .secret) {
            self.init(edit.map { [$0] }, otherwise: reason)
        }
    }

    private var secrets: SecretPolicy { engine.ruleSet.secrets }

    private func defaultInstruction(_ outcome: Outcome) -> String {
        let place = check.section.map { " in [\($0)]" } ?? ""
        return "make '\(check.key)'\(place) of \(check.file) \(outcome.expected ?? "right")"
    }

    private func edits(in document: ConfigDocument) throws -> Plan {
        switch check.matcher {
        case .equals(let template):
            return set(try template.render(vars), in: document)
        case .oneOf(let templates):
            guard let first = try renderAvailable(templates).first else { return .manual(.needsVariable) }
            return set(first, in: document)
        case .contains(let template):
            return add(try template.render(vars), in: document)
        case .orderedSubsequence(let templates):
            return reorder(try templates.map { try $0.render(vars) }, in: document)
        case .endsWith(let templates):
            return endWith(try templates.map { try $0.render(vars) }, in: document)
        case .absent:
            return Plan(document.edits(commentingOut: effectiveValue(in: document).occurrences, secrets: secrets))
        case .noneEqual(let template):
            return removeEqual(try template.render(vars), in: document)
        case .movedTo(let moved):
            return move(moved, in: document)
        case .present, .regex, .anyMatch:
            return .manual(.choice)
        case .notPlaceholder:
            return .manual(.secret)
        }
    }

    /// Whether the effective entry is the checked key's own in the checked section (not a
    /// deprecated name, not Paste's `[DEFAULT]` or rsync's global value standing in for it).
    private func ownEntry(_ effective: EffectiveValue, in document: ConfigDocument) -> Entry? {
        guard let entry = effective.entry, effective.readAs == nil else { return nil }
        guard document.format.hasSections, let section = check.section else { return entry }
        guard let written = entry.section, document.format.sectionMatches(written, wanted: section) else { return nil }
        return entry
    }

    /// The value the program reads set to `value`: the entry it reads rewritten, else a new
    /// entry in the checked section (Paste's `set key` where `[DEFAULT]` would win over it).
    private func set(_ value: String, in document: ConfigDocument) -> Plan {
        guard !engine.show(value, key: check.key).masked else { return .manual(.secret) }
        let effective = effectiveValue(in: document)
        if let entry = ownEntry(effective, in: document) {
            return Plan(document.edit(setting: entry, to: value, secrets: secrets))
        }
        var key = check.key
        if document.format == .pasteINI, effective.entry?.section == "DEFAULT", check.section != "DEFAULT" {
            key = "set " + key
        }
        return Plan(document.edit(adding: key, value: value, section: check.section, secrets: secrets), otherwise: .noPlace)
    }

    /// `value` added to a list (its last element) or as one more occurrence of a multi-valued
    /// option (after its last one), else the key set to it.
    private func add(_ value: String, in document: ConfigDocument) -> Plan {
        guard !engine.show(value, key: check.key).masked else { return .manual(.secret) }
        let effective = effectiveValue(in: document)
        let type = check.valueType ?? effective.definition?.valueType ?? check.effectiveType
        if let entry = ownEntry(effective, in: document), type == .list || type == .set || isList(entry.value) {
            return setList(type.elements(of: entry.value) + [value], of: entry, in: document, action: .appendElement,
                           commas: !isList(entry.value))
        }
        if let last = effective.occurrences.last, effective.readAs == nil,
           check.section.map({ wanted in last.section.map { document.format.sectionMatches($0, wanted: wanted) } ?? false }) ?? true {
            return Plan(document.edit(addingOccurrence: value, after: last, secrets: secrets))
        }
        return set(value, in: document)
    }

    /// The wanted elements in the wanted order, others kept where they are: misplaced copies of a
    /// wanted element are taken out, each missing one goes right after the wanted element before it
    /// (before the first wanted element present, when it is the first).
    private func reorder(_ wanted: [String], in document: ConfigDocument) -> Plan {
        let effective = effectiveValue(in: document)
        guard let entry = ownEntry(effective, in: document) else { return .manual(.notSet) }
        let comparator = ValueComparator(type: .string, aliases: effective.definition?.aliases ?? [:], resolver: nil)
        var items = ValueType.list.elements(of: entry.value)
        // The kept matches: the same greedy walk the check makes.
        var kept: [Int: Int] = [:]
        var next = 0
        for (index, item) in items.enumerated() where next < wanted.count && comparator.canonical(item) == wanted[next] {
            kept[next] = index
            next += 1
        }
        let misplaced = Set(items.indices.filter { index in
            !kept.values.contains(index) && wanted.contains(comparator.canonical(items[index]))
        })
        var positions = kept
        var result: [String] = []
        var newIndex: [Int: Int] = [:]
        for (index, item) in items.enumerated() where !misplaced.contains(index) {
            newIndex[index] = result.count
            result.append(item)
        }
        for key in positions.keys { positions[key] = newIndex[positions[key]!] }
        for position in wanted.indices where positions[position] == nil {
            let insertAt: Int
            if let before = (0..<position).reversed().compactMap({ positions[$0] }).first {
                insertAt = before + 1
            } else {
                insertAt = ((position + 1)..<wanted.count).compactMap { positions[$0] }.first ?? result.count
            }
            result.insert(wanted[position], at: insertAt)
            for key in positions.keys where positions[key]! >= insertAt { positions[key]! += 1 }
            positions[position] = insertAt
        }
        items = result
        return setList(items, of: entry, in: document, action: .insertElement)
    }

    /// The list made to end with `wanted`: the part of it already at the end kept, the rest appended.
    private func endWith(_ wanted: [String], in document: ConfigDocument) -> Plan {
        let effective = effectiveValue(in: document)
        guard let entry = ownEntry(effective, in: document) else { return .manual(.notSet) }
        let items = ValueType.list.elements(of: entry.value)
        let overlap = (0...min(items.count, wanted.count)).reversed().first { count in
            Array(items.suffix(count)) == Array(wanted.prefix(count))
        } ?? 0
        return setList(items + wanted.dropFirst(overlap), of: entry, in: document, action: .appendElement)
    }

    private func setList(_ elements: [String], of entry: Entry, in document: ConfigDocument, action: LineEdit.Action,
                         commas: Bool = false) -> Plan {
        let original = entry.valueRange.flatMap { range in document.document(for: entry.span.file)?.source.string(range) } ?? ""
        guard let text = document.format.details.writer.list(elements, like: original, commas: commas) else { return .manual(.noPlace) }
        return Plan(document.edit(setting: entry, to: text, spelled: true, secrets: secrets, action: action))
    }

    private func isList(_ value: ConfigValue) -> Bool {
        if case .list = value { return true }
        return false
    }

    /// Every entry holding the unwanted value commented out.
    private func removeEqual(_ unwanted: String, in document: ConfigDocument) -> Plan {
        let candidates: [Entry]
        let comparator: ValueComparator
        if check.key == "*" {
            candidates = document.entries.filter { entry in
                guard let section = check.section else { return true }
                return entry.section.map { document.format.sectionMatches($0, wanted: section) } ?? false
            }
            comparator = ValueComparator(type: check.effectiveType, aliases: [:], resolver: nil)
        } else {
            let effective = effectiveValue(in: document)
            candidates = effective.occurrences
            comparator = ValueComparator(type: check.valueType ?? effective.definition?.valueType ?? check.effectiveType,
                                         aliases: effective.definition?.aliases ?? [:], resolver: nil)
        }
        let wanted = comparator.normalize(.string(unwanted))
        let matching = candidates.filter { comparator.normalize($0.value) == wanted }
        return Plan(document.edits(commentingOut: matching, secrets: secrets))
    }

    /// An option the next release reads elsewhere: the new key written with the value, the old
    /// ones commented out; left to a person when the value is secret or both hold different values.
    private func move(_ moved: MovedOption, in document: ConfigDocument) -> Plan {
        guard let entry = document.effectiveEntry(section: check.section, key: check.key),
              let value = try? render(moved.value ?? Template("{{value}}"), in: document, entry: entry) else {
            return .manual(.noPlace)
        }
        if value.masked || engine.show(value.raw, key: moved.key).masked { return .manual(.secret) }
        let oldKeys = moved.replaces.isEmpty ? [check.key] : moved.replaces
        let old = oldKeys.flatMap { document.entries(section: check.section, key: $0) }
        guard let removals = document.edits(commentingOut: old, secrets: secrets) else { return .manual(.secret) }
        let newSection = moved.section ?? check.section
        if let existing = document.effectiveEntry(section: newSection, key: moved.key) {
            let type = check.effectiveType
            guard type.normalize(existing.value) == type.normalize(value.raw) else { return .manual(.conflict) }
            return .edits(removals)
        }
        guard let added = document.edit(adding: moved.key, value: value.raw, section: newSection, secrets: secrets) else {
            return .manual(.secret)
        }
        return .edits(removals + [added])
    }
}
