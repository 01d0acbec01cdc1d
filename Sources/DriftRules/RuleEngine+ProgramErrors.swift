import DriftCore

extension RuleEngine {
    /// One failing finding for each problem the file's program refuses to start on (a missing
    /// `!includedir` directory), at the line that causes it; one passing finding without any. The
    /// file's values are still checked by their own rules: one problem never blanks a file.
    /// `problems` picks another list of the document's (includes refused by the confinement).
    func checkProgramErrors(_ rule: Rule, file: String, on evidence: HostEvidence,
                            problems: KeyPath<ConfigDocument, [Diagnostic]> = \.errors,
                            expected: String = "nothing its program refuses",
                            passing: String = "nothing in it stops its program from starting") -> [Finding] {
        func finding(_ status: FindingStatus, file: String = file, line: Int? = nil, expected: String? = nil,
                     _ message: String) -> Finding {
            Finding(rule: rule.id, title: rule.title, host: evidence.host.name, file: file, section: nil, key: nil,
                    status: status, severity: rule.severity, expected: expected, actual: nil, line: line, message: message,
                    guide: rule.guide, fix: try? rule.fix?.render(evidence.host.vars), category: rule.category)
        }
        switch evidence.files[file] ?? .missing {
        case .parsed(let document):
            let found = document[keyPath: problems]
            guard !found.isEmpty else { return [finding(.pass, passing)] }
            return found.map { error in
                finding(.fail, file: error.location.file, line: error.location.line, expected: expected, error.message)
            }
        case .missing:
            return [finding(.skipped, "file '\(file)' does not exist")]
        case .unparseable(let diagnostic):
            return [finding(.error, line: diagnostic.location.line, "cannot parse '\(file)': \(diagnostic.message)")]
        case .unreadable(let reason):
            return [finding(.error, "cannot read '\(file)': \(reason)")]
        case .present:
            return [finding(.error, "'\(file)' was collected but not parsed")]
        case .notCollected:
            return []  // the host's failure says why, as for a host not collected at all
        }
    }
}
