extension RuleSet {
    /// Why each rule exists, by rule id: what the HTML report shows beside a failing check.
    /// Rules without a rationale are left out.
    package var rationales: [String: String] {
        Dictionary(rules.filter { !$0.rationale.isEmpty }.map { ($0.id, $0.rationale) }) { first, _ in first }
    }
}
