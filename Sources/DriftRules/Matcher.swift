/// What a value rule expects of a key's value.
package enum Matcher: Hashable, Sendable {
    /// The value the program uses (usually the last occurrence) equals this, compared as the rule's type.
    case equals(Template)
    /// The value the program uses is one of these (templates needing a variable the host lacks are left out).
    case oneOf([Template])
    /// The key is set, whatever its value.
    case present
    /// The key is not set.
    case absent
    /// The value the program uses matches this pattern as a whole.
    case regex(RegexPattern)
    /// Some occurrence of the key matches this pattern as a whole (crontab lines, ntp servers).
    case anyMatch(RegexPattern)
    /// One of the key's values (every occurrence of a multi-valued key, every element of a list) equals this.
    case contains(Template)
    /// These elements appear in the list in this order, others possibly between (a Paste pipeline).
    case orderedSubsequence([Template])
    /// The list ends with these elements (lvm.conf's filter must end by rejecting everything else).
    case endsWith([Template])
    /// The key is set and none of its values still holds a guide placeholder such as `NOVA_PASS`.
    case notPlaceholder
    /// No occurrence of the key equals this; with key `*`, no entry of the file (or section) does
    /// (/etc/hosts must not map a name to 127.0.1.1).
    case noneEqual(Template)
    /// The key is not set here because the next release reads it elsewhere (an upgrade check): a set
    /// key fails, naming where to write it instead.
    case movedTo(MovedOption)

    /// The YAML spelling of each matcher, for the loader and error messages.
    package static let names = ["equals", "one-of", "present", "absent", "regex", "any-match", "contains",
                               "ordered-subsequence", "ends-with", "not-placeholder", "none-equal", "moved-to"]

    var isMovedTo: Bool {
        if case .movedTo = self { return true }
        return false
    }

    /// Texts that decide how values are typed when the rule names no type.
    var literalTexts: [String] {
        switch self {
        case .equals(let template), .contains(let template), .noneEqual(let template): return [template.text]
        case .oneOf(let templates): return templates.map(\.text)
        default: return []
        }
    }

    var templates: [Template] {
        switch self {
        case .equals(let template), .contains(let template), .noneEqual(let template): return [template]
        case .oneOf(let templates), .orderedSubsequence(let templates), .endsWith(let templates): return templates
        case .movedTo(let moved): return moved.value.map { [$0] } ?? []
        default: return []
        }
    }
}

/// Where the next release reads an option the checked key sets, and whether it still reads the old one.
package struct MovedOption: Hashable, Sendable {
    /// Whether the next release still reads the old key.
    package enum OldKey: String, Hashable, Sendable, CaseIterable {
        /// Still read, as a deprecated name of the new option (oslo's `deprecated_name`/`deprecated_group`).
        case deprecated
        /// No longer read: the value silently stops applying.
        case ignored
    }

    /// The new section; `nil` keeps the checked key's section.
    package var section: String?
    package var key: String
    /// The new value, from the old one (`{{value}}`, the default) or from several keys
    /// (`{{value:auth_protocol|https}}://{{value}}:{{value:auth_port|35357}}`).
    package var value: Template?
    package var oldKey: OldKey
    /// All the old keys the new one replaces together, when it is more than the checked key
    /// (`identity_uri` replaces `auth_host`, `auth_port` and `auth_protocol`).
    package var replaces: [String]

    package init(section: String?, key: String, value: Template? = nil, oldKey: OldKey, replaces: [String] = []) {
        self.section = section
        self.key = key
        self.value = value
        self.oldKey = oldKey
        self.replaces = replaces
    }
}
