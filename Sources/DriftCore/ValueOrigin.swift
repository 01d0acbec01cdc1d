/// Where the value a finding judged came from, when it is not simply written in the file
/// under the option's own name.
///
/// An operator who never wrote a key asks "why is this drift?": the answer is the value the
/// program reads instead (its built-in default, or the option under an older name it still
/// reads), and where the program defines it, so the claim can be checked.
package struct ValueOrigin: Hashable, Sendable, Codable {
    package enum Kind: String, Hashable, Sendable, CaseIterable, Codable {
        /// Read from the file under a deprecated name the release still reads (`[DEFAULT] sql_connection`).
        case deprecatedName = "deprecated-name"
        /// Not in the file: the program's built-in default applies.
        case builtinDefault = "default"
        /// Not in the file, and the option has no default: the program runs without it (or refuses to start).
        case notSet = "not-set"
    }

    package var kind: Kind
    /// The option as the file spells it for a deprecated name, or the option itself: `[DEFAULT] sql_connection`.
    package var option: String
    /// Where the default, the deprecated name or the absence of a default is defined: the option's
    /// definition in the program's code at the release (`openstack/nova@2014.1:nova/api/auth.py:36`).
    package var definedAt: [String]

    package init(kind: Kind, option: String, definedAt: [String]) {
        self.kind = kind
        self.option = option
        self.definedAt = definedAt
    }
}
