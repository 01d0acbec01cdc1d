import DriftCore

extension RuleEngine {
    /// The guide: "each node must resolve the other nodes by name". On every host the rule
    /// applies to, each fleet host's name must resolve, through the file (the resolver takes a
    /// name's first line), to that host's `management_ip`: a failing finding per name that
    /// does not, one passing finding for all that do.
    func checkHostNames(_ rule: Rule, file: String, fleet: [HostEvidence]) -> [Finding] {
        let named = fleet.compactMap { evidence in evidence.host.vars["management_ip"].map { (evidence.host.name, $0) } }
        var findings: [Finding] = []
        for evidence in fleet where rule.applies(to: evidence.host, architecture: architecture) {
            func finding(_ status: FindingStatus, key: String?, expected: String?, actual: String?, line: Int?,
                         _ message: String) -> Finding {
                Finding(rule: rule.id, title: rule.title, host: evidence.host.name, file: file, section: nil, key: key,
                        status: status, severity: rule.severity, expected: expected, actual: actual, line: line,
                        message: message, guide: rule.guide, fix: try? rule.fix?.render(evidence.host.vars))
            }
            switch evidence.files[file] ?? .missing {
            case .parsed(let document):
                let lookup = NameLookup(document)
                // A failing name is a finding of its own; the names that resolve make one passing
                // finding, not one each: every host's file lists every host, so a finding per
                // pair would grow with the square of the fleet (40,000 at 200 hosts) and say nothing.
                var resolving = 0
                for (name, address) in named {
                    guard let entry = lookup.entry(for: name) else {
                        findings.append(finding(.fail, key: name, expected: address, actual: nil, line: nil,
                                                "'\(name)' is not in \(file), so this host cannot reach it by name"))
                        continue
                    }
                    let resolved = entry.value.text
                    if resolved == address {
                        resolving += 1
                    } else {
                        findings.append(finding(.fail, key: name, expected: address, actual: resolved, line: entry.line,
                                                "'\(name)' resolves to '\(resolved)' (its first line), not to its management address \(address)"))
                    }
                }
                if resolving > 0 {
                    let every = resolving == named.count
                    findings.append(finding(.pass, key: nil, expected: every ? "every fleet host's management address" : nil,
                                            actual: nil, line: nil,
                                            every ? "every host of the fleet resolves to its management address"
                                                : "the other hosts of the fleet resolve to their management addresses"))
                }
            case .missing:
                findings.append(finding(.fail, key: nil, expected: nil, actual: nil, line: nil, "file '\(file)' does not exist"))
            case .unparseable(let diagnostic):
                findings.append(finding(.error, key: nil, expected: nil, actual: nil, line: diagnostic.location.line,
                                        "cannot parse '\(file)': \(diagnostic.message)"))
            case .unreadable(let reason):
                findings.append(finding(.error, key: nil, expected: nil, actual: nil, line: nil, "cannot read '\(file)': \(reason)"))
            case .present:
                findings.append(finding(.error, key: nil, expected: nil, actual: nil, line: nil, "'\(file)' was not parsed"))
            case .notCollected:
                continue  // the host's failure says why; no finding, as for a host not collected at all
            }
        }
        return findings
    }
}

/// `effectiveEntry(section: nil, key:)` for every fleet name: /etc/hosts maps a name to its first
/// line, found here through an index built once per file rather than a scan per name (which made
/// the check cubic in the fleet's size: every host's file lists every host).
private struct NameLookup {
    let document: ConfigDocument
    private let first: [String: Entry]?

    init(_ document: ConfigDocument) {
        self.document = document
        guard document.format == .hosts else { first = nil; return }
        var first: [String: Entry] = [:]
        for entry in document.entries {
            let key = document.format.normalizedKey(entry.key)
            if first[key] == nil { first[key] = entry }
        }
        self.first = first
    }

    func entry(for name: String) -> Entry? {
        guard let first else { return document.effectiveEntry(section: nil, key: name) }
        return first[document.format.normalizedKey(name)]
    }
}
