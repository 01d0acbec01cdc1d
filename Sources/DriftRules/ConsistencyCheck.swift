import DriftCore

/// Values read from several places that must agree, or must differ.
///
/// The failures that hurt in production are inconsistencies: one service with a
/// different RabbitMQ password, one compute node with a copied `my_ip`, one ML2
/// node with other tunnel ranges. Secrets are compared as values inside the
/// engine and reported only as "matches" or "differs".
package struct ConsistencyCheck: Sendable {
    package enum Kind: String, Sendable, CaseIterable {
        /// Every value equals the reference source's, or else the majority's.
        case same
        /// No two hosts have the same value.
        case unique
        /// The reference source's value is one of the elements of every other value.
        case included
    }

    package enum Scope: String, Sendable, CaseIterable {
        /// Values on one host are compared with each other.
        case host
        /// Values across the whole fleet are compared.
        case fleet
    }

    package var kind: Kind
    package var scope: Scope
    package var sources: [ValueSource]
    /// Index into `sources` of the value the others must match; `nil`: the majority decides.
    package var reference: Int?
    /// For `unique`: a host whose value equals this rendered template owns it (`{{management_ip}}`),
    /// so only the hosts that copied it are named.
    package var owner: Template?
    package var valueType: ValueType
    /// Whether a source its file leaves unset takes part with the option's default (files that
    /// leave `rabbit_userid` unset log in as `guest`). Otherwise it is left out: the value rule
    /// of that option says it is not set, and the check would say so a second time.
    package var comparesDefaults: Bool

    package init(kind: Kind, scope: Scope, sources: [ValueSource], reference: Int? = nil, owner: Template? = nil,
                valueType: ValueType = .string, comparesDefaults: Bool = false) {
        self.kind = kind
        self.scope = scope
        self.sources = sources
        self.reference = reference
        self.owner = owner
        self.valueType = valueType
        self.comparesDefaults = comparesDefaults
    }
}

/// Where a compared value is read, and how it is reduced before comparing.
package struct ValueSource: Sendable {
    package var file: String
    package var format: ConfigFormat
    package var section: String?
    package var key: String
    /// Roles whose hosts hold this source; empty: every host the rule applies to.
    package var roles: Set<Role>
    package var transform: ValueTransform

    package init(file: String, format: ConfigFormat, section: String?, key: String, roles: Set<Role> = [],
                transform: ValueTransform = .none) {
        self.file = file
        self.format = format
        self.section = section
        self.key = key
        self.roles = roles
        self.transform = transform
    }

    package var label: String {
        (section.map { "[\($0)] " } ?? "") + key
    }
}

/// How a value is reduced before comparing.
package enum ValueTransform: String, Sendable, CaseIterable {
    case none
    /// The host of a URL: `mysql://nova:…@controller/nova` gives `controller`.
    case urlHost = "url-host"
    /// The host of a URL, resolved to an address as the host itself resolves it (its
    /// /etc/hosts, else the inventory).
    case urlAddress = "url-address"
    /// A host name resolved to an address the same way.
    case address
    /// `host:port` gives `host` (each element of a list).
    case hostPart = "host-part"
    /// `host:port` gives `port` (each element of a list).
    case portPart = "port-part"
}

/// A condition on a host fact gating a rule.
package struct FactCondition: Sendable, Hashable {
    package var fact: HostFact
    /// The rule applies when the fact has one of these values.
    package var values: [String]

    package init(fact: HostFact, values: [String]) {
        self.fact = fact
        self.values = values
    }
}

/// Facts about a host derived from files read off it, never from commands.
package enum HostFact: String, Sendable, CaseIterable, Hashable {
    /// `vmx` (Intel VT-x), `svm` (AMD-V) or `none`, from the CPU flags in /proc/cpuinfo.
    case cpuVirtualization = "cpu-virtualization"

    package static var choices: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The file the fact is read from.
    package var source: String {
        switch self {
        case .cpuVirtualization: return "/proc/cpuinfo"
        }
    }

    /// Derives the fact from the source file's bytes.
    package func derive(from bytes: [UInt8]) -> String {
        switch self {
        case .cpuVirtualization:
            // The guide: `egrep -c '(vmx|svm)' /proc/cpuinfo` — zero means no hardware acceleration.
            let text = String(decoding: bytes, as: UTF8.self)
            for line in text.split(separator: "\n") where line.hasPrefix("flags") {
                let flags = Set(line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" }).map(String.init))
                if flags.contains("vmx") { return "vmx" }
                if flags.contains("svm") { return "svm" }
            }
            return "none"
        }
    }
}
