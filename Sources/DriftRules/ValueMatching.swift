import DriftCore

/// Matches one value rule against one file's state on one host.
struct ValueMatching {
    let engine: RuleEngine
    let rule: Rule
    let check: ValueCheck
    let vars: [String: String]

    /// Resolves host names as the checked node does; `nil` compares host names as text.
    let resolver: NodeResolver?

    func check(_ file: FileState) throws -> Outcome {
        var document: ConfigDocument?
        if case .parsed(let parsed) = file { document = parsed }
        // Looked up once: the matcher judges it and the fix quotes its entry (key '*' judges every entry instead).
        let effective = check.key != "*" || rule.fix != nil ? document.map { effectiveValue(in: $0) } : nil
        var outcome = try match(file, effective: effective)
        // What to write instead, with the values found in the file (masked when secret).
        if let fix = rule.fix {
            outcome.fix = try render(fix, in: document, entry: effective?.entry).shown
        }
        if outcome.status == .fail { outcome.remedy = remedy(for: outcome, in: file) }
        return outcome
    }

    /// Guide rules judge what Icehouse reads, defaults and deprecated names included; upgrade
    /// checks judge the file's own spelling, which is what the next release reads differently.
    private var appliesDefaults: Bool { rule.upgrade == nil }

    func effectiveValue(in document: ConfigDocument) -> EffectiveValue {
        engine.ruleSet.options.effective(in: document, file: check.file, section: check.section, key: check.key,
                                         applyDefaults: appliesDefaults)
    }

    private func match(_ file: FileState, effective: EffectiveValue?) throws -> Outcome {
        let expected = try expectedText()
        let document: ConfigDocument
        switch file {
        case .parsed(let parsed): document = parsed
        case .missing:
            if check.matcher == .absent || check.matcher.isMovedTo {
                return Outcome(status: .pass, expected: expected,
                               message: "file '\(check.file)' does not exist, so '\(check.key)' is not set")
            }
            return Outcome(status: .fail, expected: expected, message: "file '\(check.file)' does not exist")
        case .unreadable(let reason):
            return Outcome(status: .error, expected: expected, message: "cannot read '\(check.file)': \(reason)")
        case .present:
            return Outcome(status: .error, expected: expected, message: "'\(check.file)' was collected but not parsed")
        case .notCollected:
            // The engine does not evaluate rules on files that were not collected; said in case it is asked to.
            return Outcome(status: .error, expected: expected, message: "'\(check.file)' was not collected")
        case .unparseable(let diagnostic):
            return Outcome(status: .error, expected: expected, line: diagnostic.location.line,
                           message: "cannot parse '\(check.file)': line \(diagnostic.location.line): \(diagnostic.message)")
        }
        return try match(in: document, expected: expected, effective: effective ?? effectiveValue(in: document))
    }

    /// One value a matcher looks at: a file's entry, or the program's default (no entry).
    private struct Candidate {
        var value: ConfigValue
        var entry: Entry?
    }

    private func match(in document: ConfigDocument, expected: String?, effective: @autoclosure () -> EffectiveValue) throws -> Outcome {
        let place = check.section.map { " in [\($0)]" } ?? ""
        let key = check.key
        // Key '*': every entry of the file (or of the section); no option, so no default.
        // An /etc/hosts listing the fleet has as many entries as the fleet has names, on every
        // node: the scan is made once per shared content (`RuleEngine.sharedScans`), each entry looked at where it lies.
        if check.key == "*" {
            guard case .noneEqual(let template) = check.matcher else {
                return Outcome(status: .error, expected: expected, message: "key '*' needs 'none-equal'")
            }
            let unwanted = try template.render(vars)
            let section = check.section
            let comparator = ValueComparator(type: check.effectiveType, aliases: [:], resolver: nil)
            let question = ["none-equal", section ?? "", "\(check.effectiveType)", unwanted].joined(separator: "\u{0}")
            let found = engine.sharedScans.answer(question, in: document, cost: { $0.count + 1 }) {
                let unwantedValue = comparator.normalize(unwanted)
                let first = document.entries.indices.first { index in
                    let entry = document.entries[index]
                    if let section, !(entry.section.map { document.format.sectionMatches($0, wanted: section) } ?? false) {
                        return false
                    }
                    return comparator.normalize(entry.value) == unwantedValue
                }
                return first.map { [$0] } ?? []
            }.first
            return noneEqual(found.map { Candidate(value: document.entries[$0].value, entry: document.entries[$0]) },
                             unwanted: unwanted, expected: expected, all: true)
        }
        let effective = effective()
        let origin = effective.origin(section: check.section, key: check.key)
        let comparator = ValueComparator(type: check.valueType ?? effective.definition?.valueType ?? check.effectiveType,
                                         aliases: effective.definition?.aliases ?? [:], resolver: resolver)
        // The value a single-valued option takes, as the program picks it, else its default.
        let single = effective.entry.map { Candidate(value: $0.value, entry: $0) }
            ?? effective.defaultValue.map { Candidate(value: .string($0), entry: nil) }
        // Every value of a multi-valued option (the default standing for them when none is written).
        let all = effective.occurrences.isEmpty
            ? (effective.defaultValue.map { [Candidate(value: .string($0), entry: nil)] } ?? [])
            : effective.occurrences.map { Candidate(value: $0.value, entry: $0) }
        let notSet = Outcome(status: .fail, expected: expected,
                             message: effective.notSetClause(key: key, place: place) { show($0) }, origin: origin)
        var outcome: Outcome

        switch check.matcher {
        case .present:
            guard let entry = effective.entry else {
                let clause = effective.defaultValue.map { value in
                    show(value).masked ? "" : " (left to its default '\(value)'\(effective.citation))"
                } ?? ""
                return Outcome(status: .fail, expected: expected, message: "'\(key)' is not set\(place)\(clause)", origin: origin)
            }
            let shown = show(entry)
            outcome = Outcome(status: .pass, expected: expected, actual: shown.text, entry: entry,
                              message: "'\(key)' is set", masked: shown.masked)

        case .absent:
            guard let entry = effective.entry else {
                return Outcome(status: .pass, expected: expected, message: "'\(key)' is not set\(place)")
            }
            let shown = show(entry)
            outcome = Outcome(status: .fail, expected: expected, actual: shown.text, entry: entry,
                              message: "'\(key)' is set but should not be", masked: shown.masked)

        case .equals(let template):
            guard let single else { return notSet }
            outcome = compare(single, against: [try template.render(vars)], comparator: comparator, expected: expected)

        case .oneOf(let templates):
            guard let single else { return notSet }
            outcome = compare(single, against: try renderAvailable(templates), comparator: comparator, expected: expected)

        case .regex(let pattern):
            guard let single else { return notSet }
            let shown = show(single.value.text)
            let matches = pattern.matchesWhole(single.value.text)
            outcome = Outcome(status: matches ? .pass : .fail, expected: expected, actual: shown.text, entry: single.entry,
                              message: matches ? "'\(key)' matches /\(pattern.pattern)/"
                                  : "'\(shown.text)' does not match /\(pattern.pattern)/", masked: shown.masked)

        case .anyMatch(let pattern):
            guard !all.isEmpty else { return notSet }
            let shownAll = all.map { show($0.value.text) }
            let masked = shownAll.contains { $0.masked }
            if let candidate = all.first(where: { pattern.matchesWhole(Self.plain($0.value)) }) {
                outcome = Outcome(status: .pass, expected: expected, actual: show(candidate.value.text).text,
                                  entry: candidate.entry, message: "a '\(key)' line matches /\(pattern.pattern)/", masked: masked)
            } else {
                outcome = Outcome(status: .fail, expected: expected, actual: shownAll.map(\.text).joined(separator: "\n"),
                                  entry: all.last?.entry, message: "no '\(key)' line matches /\(pattern.pattern)/", masked: masked)
            }

        case .contains(let template):
            guard !all.isEmpty else { return notSet }
            outcome = contains(try template.render(vars), in: all, comparator: comparator, expected: expected)

        case .orderedSubsequence(let templates), .endsWith(let templates):
            guard let single else { return notSet }
            let wanted = try templates.map { try $0.render(vars) }
            let items = ValueType.list.elements(of: single.value).map { comparator.canonical($0) }
            let shown = show(single.value.text)
            let holds: Bool
            if case .endsWith = check.matcher {
                holds = items.count >= wanted.count && Array(items.suffix(wanted.count)) == wanted
            } else {
                var remaining = wanted[...]
                for item in items where item == remaining.first { remaining.removeFirst() }
                holds = remaining.isEmpty
            }
            let description = "[" + wanted.joined(separator: ", ") + "]"
            outcome = Outcome(status: holds ? .pass : .fail, expected: expected, actual: shown.text, entry: single.entry,
                              message: holds ? "'\(key)' \(expected ?? description)"
                                  : "expected '\(key)' to be \(expected ?? description), found \(shown.text)",
                              masked: shown.masked)

        case .noneEqual(let template):
            let unwanted = try template.render(vars)
            let unwantedValue = comparator.normalize(unwanted)
            outcome = noneEqual(all.first { comparator.normalize($0.value) == unwantedValue }, unwanted: unwanted,
                                expected: expected, all: false)

        case .movedTo(let moved):
            guard let entry = document.effectiveEntry(section: check.section, key: check.key) else {
                return Outcome(status: .pass, expected: expected, message: "'\(key)' is not set\(place)")
            }
            return try matchMoved(moved, entry: entry, in: document)

        case .notPlaceholder:
            outcome = notPlaceholder(effective, in: document, expected: expected, notSet: notSet)
        }
        return explained(outcome, by: effective, origin: origin)
    }

    /// Says where a value that is not simply written under the option's name came from: the
    /// default (with its source) or the deprecated name.
    private func explained(_ outcome: Outcome, by effective: EffectiveValue, origin: ValueOrigin?) -> Outcome {
        var outcome = outcome
        outcome.origin = outcome.origin ?? origin
        let place = check.section.map { " in [\($0)]" } ?? ""
        if effective.isDefault, outcome.entry == nil, outcome.status == .pass || outcome.status == .fail {
            let clause = effective.notSetClause(key: check.key, place: place) { show($0) }
            let wanted: String
            if case .equals = check.matcher { wanted = outcome.expected.map { "'\($0)'" } ?? "another value" } else {
                wanted = outcome.expected ?? "another value"
            }
            outcome.message = outcome.status == .pass ? clause + (outcome.note.map { "; that is \($0)" } ?? "")
                : "\(clause); expected \(wanted)"
        } else if outcome.entry != nil {
            outcome.message += effective.deprecatedClause
        }
        return outcome
    }

    private func contains(_ wantedText: String, in all: [Candidate], comparator: ValueComparator, expected: String?) -> Outcome {
        let key = check.key
        let element = comparator.forElements
        let shownAll = all.map { show($0.value.text) }
        let actual = shownAll.map(\.text).joined(separator: "\n")
        let masked = shownAll.contains { $0.masked }
        let wantedShown = masked ? SecretPolicy.maskText : wantedText
        var equivalent: (Candidate, String)?
        for candidate in all {
            for item in comparator.type.elements(of: candidate.value) {
                switch element.match(.string(item), wantedText) {
                case .same?:
                    return Outcome(status: .pass, expected: expected, actual: actual, entry: candidate.entry,
                                   message: "'\(key)' includes '\(wantedShown)'", masked: masked)
                case .equivalent(let note)?:
                    if equivalent == nil { equivalent = (candidate, note) }
                case nil:
                    continue
                }
            }
        }
        if let (candidate, note) = equivalent {
            var outcome = Outcome(status: .pass, expected: expected, actual: actual, entry: candidate.entry,
                                  message: "'\(key)' includes \(note)", masked: masked)
            outcome.note = note
            return outcome
        }
        let found = shownAll.map { "'\($0.text)'" }.joined(separator: ", ")
        return Outcome(status: .fail, expected: expected, actual: actual, entry: all.last?.entry,
                       message: "no value of '\(key)' is '\(wantedShown)' (found \(found))", masked: masked)
    }

    /// The verdict of `none-equal`, given the first value equal to the unwanted one.
    private func noneEqual(_ found: Candidate?, unwanted: String, expected: String?, all everyEntry: Bool) -> Outcome {
        if let candidate = found {
            let shown = show(candidate.value.text)
            return Outcome(status: .fail, expected: expected, actual: shown.text, entry: candidate.entry,
                           message: "'\(candidate.entry?.key ?? check.key)' is '\(shown.text)'", masked: shown.masked)
        }
        return Outcome(status: .pass, expected: expected,
                       message: everyEntry ? "no value is '\(unwanted)'" : "no '\(check.key)' is '\(unwanted)'")
    }

    /// A secret must be set, hold no guide placeholder, and not be weak (a well-known word, a
    /// placeholder in other case, its user's own name, or empty); the value is never shown.
    private func notPlaceholder(_ effective: EffectiveValue, in document: ConfigDocument, expected: String?,
                                notSet: Outcome) -> Outcome {
        let key = check.key
        guard let last = effective.entry ?? effective.occurrences.last else {
            guard effective.defaultValue != nil else { return notSet }
            // The program's default secret is in its public code: as good as none.
            var outcome = notSet
            outcome.message += "; set a real value"
            return outcome
        }
        for entry in effective.occurrences {
            guard let token = engine.ruleSet.placeholders(in: entry.value.text).first else { continue }
            let shown = show(entry)
            let message = shown.masked
                ? "'\(key)' still holds a guide placeholder; set the real value"
                : "'\(key)' still holds the guide placeholder '\(token)'"
            return Outcome(status: .fail, expected: expected, actual: shown.text, entry: entry,
                           message: message, masked: shown.masked)
        }
        let shown = show(last)
        if engine.ruleSet.secrets.isSecret(key: key) || shown.masked,
           let weakness = engine.weakSecrets.weakness(of: last.value.text, user: user(of: key, in: document)) {
            return Outcome(status: .fail, expected: expected, actual: shown.text, entry: last,
                           message: "'\(key)' \(weakness); set a strong secret", masked: true)
        }
        return Outcome(status: .pass, expected: expected, actual: shown.text, entry: last,
                       message: "'\(key)' is set and is not a guide placeholder", masked: shown.masked)
    }

    /// The account a secret key belongs to, from the same section (`admin_user` for
    /// `admin_password`), with its default when the file leaves it unset.
    private func user(of key: String, in document: ConfigDocument) -> String? {
        for candidate in WeakSecrets.userKeys(for: key) {
            let value = engine.ruleSet.options.effective(in: document, file: check.file, section: check.section, key: candidate)
            if let text = value.value?.text { return text }
        }
        return nil
    }

    /// An option the next release reads elsewhere is set here: say where it goes, with its value.
    private func matchMoved(_ moved: MovedOption, entry: Entry, in document: ConfigDocument) throws -> Outcome {
        let release = rule.upgrade?.toTitle ?? "The next release"
        let old = (check.section.map { "[\($0)] " } ?? "") + check.key
        let newSection = moved.section ?? check.section
        let new = (newSection.map { "[\($0)] " } ?? "") + moved.key
        let newValue = try render(moved.value ?? Template("{{value}}"), in: document, entry: entry)
        // The new key may itself be secret (a password moving to another section).
        let newShown = engine.show(newValue.shown, key: moved.key)
        let shownValue = newValue.masked ? SecretPolicy.maskText : newShown.text
        let masked = show(entry).masked || newValue.masked || newShown.masked
        let expected = "\(new) = \(shownValue)"
        let actual = show(entry).text
        let oldPlace = check.section.map { " from [\($0)]" } ?? ""
        let newPlace = newSection.map { " in [\($0)]" } ?? ""
        let removed = Self.sentenceList(moved.replaces.isEmpty ? [check.key] : moved.replaces)

        if let existing = document.effectiveEntry(section: newSection, key: moved.key) {
            let type = check.effectiveType
            let same = type.normalize(existing.value) == type.normalize(newValue.raw)
            let message: String
            let fix: String
            if same {
                message = "\(new) is already set to the same value; \(old) is left over"
                fix = "remove \(removed)\(oldPlace): \(new) already holds the value"
            } else if moved.oldKey == .ignored {
                message = "\(release) ignores \(old) and uses \(new) (line \(existing.line)) instead"
                fix = "remove \(removed)\(oldPlace) once \(new) holds the value you want"
            } else {
                message = "\(old) and \(new) (line \(existing.line)) are both set, to different values"
                fix = "keep one value: set \(new) to the value you want and remove \(removed)\(oldPlace)"
            }
            return Outcome(status: .fail, expected: expected, actual: actual, entry: entry, message: message,
                           masked: masked, fix: fix)
        }
        let message = moved.oldKey == .deprecated
            ? "\(release) still reads \(old) but deprecates it for \(new)"
            : "\(release) ignores \(old): it reads \(new)"
        let fix = masked
            ? "move the value of \(check.key)\(oldPlace) to \(moved.key)\(newPlace) (not shown: it is secret)"
            : "write \(moved.key) = \(shownValue)\(newPlace) and remove \(removed)\(oldPlace)"
        return Outcome(status: .fail, expected: expected, actual: actual, entry: entry, message: message,
                       masked: masked, fix: fix)
    }

    /// `a`, `a and b`, `a, b and c`.
    static func sentenceList(_ items: [String]) -> String {
        guard let last = items.last else { return "" }
        return items.count == 1 ? last : items.dropLast().joined(separator: ", ") + " and " + last
    }

    /// Renders a template with the values found in the file: `{{value}}` is the checked key's
    /// (its `entry`), `{{value:KEY}}` another key's in the same section. `raw` is for comparing;
    /// `shown` may be printed (secret values masked, and passwords inside URLs), `masked` says whether it was.
    func render(_ template: Template, in document: ConfigDocument?, entry: Entry?) throws
        -> (raw: String, shown: String, masked: Bool) {
        func lookup(_ key: String?) -> Entry? {
            guard let key else { return entry }
            return document?.effectiveEntry(section: check.section, key: key)
        }
        let raw = try template.render(vars) { lookup($0)?.value.text }
        var masked = false
        let shown = try template.render(vars) { key in
            guard let found = lookup(key) else { return nil }
            let display = engine.show(found.value.text, key: key ?? check.key)
            if display.masked { masked = true }
            return display.text
        }
        let safe = SecretPolicy.maskingURLCredentials(in: shown)
        return (raw, safe, masked || safe != shown)
    }

    /// Compares the value the program uses with the accepted values, typed as the rule (or the
    /// option) says; a spelling the node resolves to the same host passes and says so.
    private func compare(_ candidate: Candidate, against wanted: [String], comparator: ValueComparator,
                         expected: String?) -> Outcome {
        let shown = show(candidate.value.text)
        guard comparator.normalize(candidate.value) != nil else {
            return Outcome(status: .fail, expected: expected, actual: shown.text, entry: candidate.entry,
                           message: "'\(shown.text)' is not a valid \(comparator.type.rawValue) value for '\(check.key)'",
                           masked: shown.masked)
        }
        var equivalent: String?
        for option in wanted {
            switch comparator.match(candidate.value, option) {
            case .same?:
                return Outcome(status: .pass, expected: expected, actual: shown.text, entry: candidate.entry,
                               message: "'\(check.key)' is '\(shown.text)'", masked: shown.masked)
            case .equivalent(let note)?:
                equivalent = equivalent ?? note
            case nil:
                continue
            }
        }
        if let equivalent {
            var outcome = Outcome(status: .pass, expected: expected, actual: shown.text, entry: candidate.entry,
                                  message: "'\(check.key)' is \(shown.masked ? "set" : equivalent)", masked: shown.masked)
            outcome.note = shown.masked ? nil : equivalent
            return outcome
        }
        let quoted: String
        if case .equals = check.matcher { quoted = "'\(expected ?? "?")'" } else { quoted = expected ?? "?" }
        return Outcome(status: .fail, expected: expected, actual: shown.text, entry: candidate.entry,
                       message: "expected \(quoted), found '\(shown.text)'", masked: shown.masked)
    }

    /// Renders the alternatives whose variables the host defines; fails only when none renders.
    func renderAvailable(_ templates: [Template]) throws -> [String] {
        var rendered: [String] = []
        var firstMissing: Template.MissingVariable?
        for template in templates {
            do { rendered.append(try template.render(vars)) } catch { firstMissing = firstMissing ?? error }
        }
        if rendered.isEmpty, let firstMissing { throw firstMissing }
        return rendered
    }

    /// What the rule expects, as display text: a single value as is, descriptions in words.
    private func expectedText() throws -> String? {
        func masked(_ text: String) -> String { engine.show(text, key: check.key).text }
        switch check.matcher {
        case .equals(let template): return masked(try template.render(vars))
        case .oneOf(let templates): return "one of " + (try renderAvailable(templates)).map { "'\(masked($0))'" }.joined(separator: ", ")
        case .contains(let template): return "includes '\(masked(try template.render(vars)))'"
        case .present: return "set"
        case .absent: return "not set"
        case .regex(let pattern): return "matches /\(pattern.pattern)/"
        case .anyMatch(let pattern): return "a line matching /\(pattern.pattern)/"
        case .orderedSubsequence(let templates):
            return "in this order: " + (try templates.map { try $0.render(vars) }).joined(separator: ", ")
        case .endsWith(let templates):
            return "ending with " + (try templates.map { "'\(try $0.render(vars))'" }).joined(separator: ", ")
        case .notPlaceholder: return "a real value, not a guide placeholder"
        case .noneEqual(let template): return "no value '\(masked(try template.render(vars)))'"
        case .movedTo(let moved): return ((moved.section ?? check.section).map { "[\($0)] " } ?? "") + moved.key
        }
    }

    private func show(_ entry: Entry) -> (text: String, masked: Bool) {
        engine.show(entry.value.text, key: check.key)
    }

    private func show(_ text: String) -> (text: String, masked: Bool) {
        engine.show(text, key: check.key)
    }

    /// A value as one line of text: list elements joined by spaces (an ntp or crontab line).
    static func plain(_ value: ConfigValue) -> String {
        if case .list(let items) = value { return items.map(\.text).joined(separator: " ") }
        return value.text
    }
}
