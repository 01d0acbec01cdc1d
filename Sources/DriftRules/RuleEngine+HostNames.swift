import DriftCore
import DriftParsing

extension RuleEngine {
    /// The guide: "each node must resolve the other nodes by name". On a host the rule applies
    /// to, each inventory host's name must resolve, through the file (the resolver takes a
    /// name's first line), to that host's `management_ip`.
    ///
    /// Findings scale with drift, not with the fleet: each name that resolves to another
    /// address fails on its own (that line is wrong); the names the file lacks make one failing
    /// finding that counts them and lists them (`items`), and the names that resolve make one
    /// passing finding. With `name_resolution: dns` the file need not list the fleet: only a
    /// line contradicting the inventory fails.
    func checkHostNames(_ rule: Rule, file: String, on evidence: HostEvidence, directory: FleetDirectory) -> [Finding] {
        func finding(_ status: FindingStatus, key: String?, expected: String?, actual: String?, line: Int?,
                     _ message: String, items: [String]? = nil) -> Finding {
            var finding = Finding(rule: rule.id, title: rule.title, host: evidence.host.name, file: file, section: nil, key: key,
                                  status: status, severity: rule.severity, expected: expected, actual: actual, line: line,
                                  message: message, guide: rule.guide, fix: try? rule.fix?.render(evidence.host.vars))
            finding.items = items
            return finding
        }
        let dns = directory.nameResolution == .dns
        switch evidence.files[file] ?? .missing {
        case .parsed(let document):
            let names = directory.nameChecks.answer("fleet names", in: document, cost: \.size) {
                HostNameResolution(document, directory: directory, dns: dns)
            }
            let missing = names.missing
            var findings = names.wrong.map { wrong in
                finding(.fail, key: wrong.name, expected: wrong.address, actual: wrong.resolved, line: wrong.line,
                        "'\(wrong.name)' resolves to '\(wrong.resolved)' (its first line), not to its management address \(wrong.address)")
            }
            if !missing.isEmpty, !dns {
                let shown = 5
                let listed = missing.prefix(shown).joined(separator: ", ")
                    + (missing.count > shown ? " and \(missing.count - shown) others" : "")
                findings.append(finding(
                    .fail, key: nil, expected: "every fleet host's name", actual: nil, line: nil,
                    "\(missing.count) of the fleet's \(directory.named.count) host names \(missing.count == 1 ? "is" : "are") "
                        + "not in \(file), so this host cannot reach \(missing.count == 1 ? "it" : "them") by name: \(listed)",
                    items: missing))
            }
            if dns {
                if findings.isEmpty {
                    findings.append(finding(.pass, key: nil, expected: "no line contradicting the inventory", actual: nil, line: nil,
                                            "no line of \(file) contradicts the inventory's addresses (names resolve through DNS)"))
                }
            } else if names.resolving > 0 {
                let every = names.resolving == directory.named.count
                findings.append(finding(.pass, key: nil, expected: every ? "every fleet host's management address" : nil,
                                        actual: nil, line: nil,
                                        every ? "every host of the fleet resolves to its management address"
                                            : "the other hosts of the fleet resolve to their management addresses"))
            }
            return findings
        case .missing:
            return [finding(.fail, key: nil, expected: nil, actual: nil, line: nil, "file '\(file)' does not exist")]
        case .unparseable(let diagnostic):
            return [finding(.error, key: nil, expected: nil, actual: nil, line: diagnostic.location.line,
                            "cannot parse '\(file)': \(diagnostic.message)")]
        case .unreadable(let reason):
            return [finding(.error, key: nil, expected: nil, actual: nil, line: nil, "cannot read '\(file)': \(reason)")]
        case .present:
            return [finding(.error, key: nil, expected: nil, actual: nil, line: nil, "'\(file)' was not parsed")]
        case .notCollected:
            return []  // the host's failure says why; no finding, as for a host not collected at all
        }
    }
}

/// How a hosts file resolves the fleet's names: what the name check's findings say, the same
/// for every host whose file holds the same bytes.
struct HostNameResolution: Sendable {
    /// A fleet name whose first line gives another address than the inventory's.
    struct Wrong: Sendable {
        var name: String
        var address: String
        var resolved: String
        var line: Int
    }

    /// Fleet names resolving to their management address.
    var resolving = 0
    /// Fleet names the file lacks, in inventory order.
    var missing: [String] = []
    var wrong: [Wrong] = []

    init(_ document: ConfigDocument, directory: FleetDirectory, dns: Bool) {
        let lookup = NameLookup(document)
        for (name, address) in lookup.fleetNamesToCheck(in: directory, dns: dns) {
            guard let entry = lookup.entry(for: name) else {
                missing.append(name)
                continue
            }
            let resolved = entry.value.text
            if resolved == address {
                resolving += 1
            } else {
                wrong.append(Wrong(name: name, address: address, resolved: resolved, line: entry.line))
            }
        }
    }

    /// Names it holds: what the memo's bound (`FleetDirectory.nameChecks`) counts.
    var size: Int { 1 + missing.count + wrong.count }
}

/// `effectiveEntry(section: nil, key:)` for every fleet name: /etc/hosts maps a name to its first
/// line, found here through an index built once per file rather than a scan per name (which made
/// the check cubic in the fleet's size: every host's file lists every host).
private struct NameLookup {
    let document: ConfigDocument
    /// Entry positions by folded name: the document's key index (made once per parsed file,
    /// and shared by every host whose file has the same content), or one made here.
    private let positions: [String: [Int]]?

    init(_ document: ConfigDocument) {
        self.document = document
        positions = document.format.details.precedence == .first ? document.indexed.keyIndex : nil
    }

    func entry(for name: String) -> Entry? {
        guard let positions else { return document.effectiveEntry(section: nil, key: name) }
        return positions[document.format.normalizedKey(name)]?.first.map { document.entries[$0] }
    }

    /// The fleet names whose lines to look at, in inventory order. Every one when the file must
    /// list the fleet; with DNS only a line can contradict the inventory, so only the fleet
    /// names the file's own lines may spell (a DNS-style file has a few lines, the fleet
    /// thousands of names: looking each fleet name up in each host's file was quadratic).
    /// Candidates are found by the resolver's coarser canonical name, then `entry(for:)` decides.
    func fleetNamesToCheck(in directory: FleetDirectory, dns: Bool) -> [(name: String, address: String)] {
        // The shortcut needs keys that fold no more than canonical names do (hosts files: case).
        guard dns, let positions, document.format == .hosts, positions.count < directory.named.count else { return directory.named }
        var places = Set<Int>()
        for key in positions.keys { places.formUnion(directory.namedPlaces(matching: key)) }
        return places.sorted().map { directory.named[$0] }
    }
}
