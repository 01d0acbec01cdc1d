import DriftCore

/// Matches one value rule against one file's state on one host.
struct ValueMatching {
    let engine: RuleEngine
    let rule: Rule
    let check: ValueCheck
    let vars: [String: String]

    func check(_ file: FileState) throws -> Outcome {
        var outcome = try match(file)
        // What to write instead, with the values found in the file (masked when secret).
        if let fix = rule.fix {
            var document: ConfigDocument?
            if case .parsed(let parsed) = file { document = parsed }
            let entry = document?.effectiveEntry(section: check.section, key: check.key)
            outcome.fix = try render(fix, in: document, entry: entry).shown
        }
        return outcome
    }

    private func match(_ file: FileState) throws -> Outcome {
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
        return try match(in: document, expected: expected)
    }

    private func match(in document: ConfigDocument, expected: String?) throws -> Outcome {
        // Key '*': every entry of the file (or of the section).
        let occurrences = check.key == "*"
            ? document.entries.filter { entry in
                guard let section = check.section else { return true }
                return entry.section.map { document.format.sectionMatches($0, wanted: section) } ?? false
            }
            : document.entries(section: check.section, key: check.key)
        // The value a single-valued option takes, as the program picks it (last, first, or Paste's DEFAULT rule).
        let effective = document.effectiveEntry(section: check.section, key: check.key)
        let place = check.section.map { " in [\($0)]" } ?? ""
        let key = check.key
        let notSet = Outcome(status: .fail, expected: expected, message: "'\(key)' is not set\(place)")
        let type = check.effectiveType

        switch check.matcher {
        case .present:
            guard let entry = effective else { return notSet }
            let shown = show(entry)
            return Outcome(status: .pass, expected: expected, actual: shown.text, entry: entry,
                           message: "'\(key)' is set", masked: shown.masked)

        case .absent:
            guard let entry = effective else {
                return Outcome(status: .pass, expected: expected, message: "'\(key)' is not set\(place)")
            }
            let shown = show(entry)
            return Outcome(status: .fail, expected: expected, actual: shown.text, entry: entry,
                           message: "'\(key)' is set but should not be", masked: shown.masked)

        case .equals(let template):
            guard let entry = effective else { return notSet }
            return compare(entry, against: [try template.render(vars)], type: type, expected: expected)

        case .oneOf(let templates):
            guard let entry = effective else { return notSet }
            return compare(entry, against: try renderAvailable(templates), type: type, expected: expected)

        case .regex(let pattern):
            guard let entry = effective else { return notSet }
            let shown = show(entry)
            let matches = pattern.matchesWhole(entry.value.text)
            return Outcome(status: matches ? .pass : .fail, expected: expected, actual: shown.text, entry: entry,
                           message: matches ? "'\(key)' matches /\(pattern.pattern)/"
                               : "'\(shown.text)' does not match /\(pattern.pattern)/", masked: shown.masked)

        case .anyMatch(let pattern):
            guard !occurrences.isEmpty else { return notSet }
            let shownAll = occurrences.map(show)
            let masked = shownAll.contains { $0.masked }
            if let entry = occurrences.first(where: { pattern.matchesWhole(Self.plain($0.value)) }) {
                return Outcome(status: .pass, expected: expected, actual: show(entry).text, entry: entry,
                               message: "a '\(key)' line matches /\(pattern.pattern)/", masked: masked)
            }
            return Outcome(status: .fail, expected: expected, actual: shownAll.map(\.text).joined(separator: "\n"),
                           entry: occurrences.last, message: "no '\(key)' line matches /\(pattern.pattern)/", masked: masked)

        case .contains(let template):
            guard !occurrences.isEmpty else { return notSet }
            let wantedText = try template.render(vars)
            let elementType = type.elementType
            let wanted = elementType.normalize(wantedText)
            let shownAll = occurrences.map(show)
            let actual = shownAll.map(\.text).joined(separator: "\n")
            let masked = shownAll.contains { $0.masked }
            let wantedShown = masked ? SecretPolicy.maskText : wantedText
            for entry in occurrences {
                let candidates = type.elements(of: entry.value)
                if wanted != nil, candidates.contains(where: { elementType.normalize($0) == wanted }) {
                    return Outcome(status: .pass, expected: expected, actual: actual, entry: entry,
                                   message: "'\(key)' includes '\(wantedShown)'", masked: masked)
                }
            }
            let found = shownAll.map { "'\($0.text)'" }.joined(separator: ", ")
            return Outcome(status: .fail, expected: expected, actual: actual, entry: occurrences.last,
                           message: "no value of '\(key)' is '\(wantedShown)' (found \(found))", masked: masked)

        case .orderedSubsequence(let templates), .endsWith(let templates):
            guard let entry = effective else { return notSet }
            let wanted = try templates.map { try $0.render(vars) }
            let items = ValueType.list.elements(of: entry.value)
            let shown = show(entry)
            let holds: Bool
            if case .endsWith = check.matcher {
                holds = items.count >= wanted.count && Array(items.suffix(wanted.count)) == wanted
            } else {
                var remaining = wanted[...]
                for item in items where item == remaining.first { remaining.removeFirst() }
                holds = remaining.isEmpty
            }
            let description = "[" + wanted.joined(separator: ", ") + "]"
            return Outcome(status: holds ? .pass : .fail, expected: expected, actual: shown.text, entry: entry,
                           message: holds ? "'\(key)' \(expected ?? description)"
                               : "expected '\(key)' to be \(expected ?? description), found \(shown.text)",
                           masked: shown.masked)

        case .noneEqual(let template):
            let unwanted = try template.render(vars)
            let wanted = type.normalize(unwanted)
            if let entry = occurrences.first(where: { type.normalize($0.value) == wanted }) {
                let shown = show(entry)
                return Outcome(status: .fail, expected: expected, actual: shown.text, entry: entry,
                               message: "'\(entry.key)' is '\(shown.text)'", masked: shown.masked)
            }
            return Outcome(status: .pass, expected: expected,
                           message: key == "*" ? "no value is '\(unwanted)'" : "no '\(key)' is '\(unwanted)'")

        case .movedTo(let moved):
            guard let entry = effective else {
                return Outcome(status: .pass, expected: expected, message: "'\(key)' is not set\(place)")
            }
            return try matchMoved(moved, entry: entry, in: document)

        case .notPlaceholder:
            guard let last = effective ?? occurrences.last else { return notSet }
            for entry in occurrences {
                guard let token = engine.ruleSet.placeholders(in: entry.value.text).first else { continue }
                let shown = show(entry)
                let message = shown.masked
                    ? "'\(key)' still holds a guide placeholder; set the real value"
                    : "'\(key)' still holds the guide placeholder '\(token)'"
                return Outcome(status: .fail, expected: expected, actual: shown.text, entry: entry,
                               message: message, masked: shown.masked)
            }
            let shown = show(last)
            return Outcome(status: .pass, expected: expected, actual: shown.text, entry: last,
                           message: "'\(key)' is set and is not a guide placeholder", masked: shown.masked)
        }
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
    private func render(_ template: Template, in document: ConfigDocument?, entry: Entry?) throws
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

    /// Compares the value the program uses with the accepted values, typed as the rule says.
    private func compare(_ entry: Entry, against wanted: [String], type: ValueType, expected: String?) -> Outcome {
        let shown = show(entry)
        guard let actual = type.normalize(entry.value) else {
            return Outcome(status: .fail, expected: expected, actual: shown.text, entry: entry,
                           message: "'\(shown.text)' is not a valid \(type.rawValue) value for '\(check.key)'", masked: shown.masked)
        }
        if wanted.compactMap({ type.normalize($0) }).contains(actual) {
            return Outcome(status: .pass, expected: expected, actual: shown.text, entry: entry,
                           message: "'\(check.key)' is '\(shown.text)'", masked: shown.masked)
        }
        let quoted: String
        if case .equals = check.matcher { quoted = "'\(expected ?? "?")'" } else { quoted = expected ?? "?" }
        return Outcome(status: .fail, expected: expected, actual: shown.text, entry: entry,
                       message: "expected \(quoted), found '\(shown.text)'", masked: shown.masked)
    }

    /// Renders the alternatives whose variables the host defines; fails only when none renders.
    private func renderAvailable(_ templates: [Template]) throws -> [String] {
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

    /// A value as one line of text: list elements joined by spaces (an ntp or crontab line).
    static func plain(_ value: ConfigValue) -> String {
        if case .list(let items) = value { return items.map(\.text).joined(separator: " ") }
        return value.text
    }
}
