import DriftCore
import Testing

/// `inReportOrder` orders findings as a stable sort by `Finding.reportOrder` would, whatever
/// shape the input has: in order already, two runs in order (a host's own findings, then its
/// fleet findings), or any order; ties keep the order they came in.
@Suite struct ReportOrderTests {
    /// A finding whose place in report order is set by file, line and rule; `message` tells
    /// findings that tie apart.
    private func finding(_ file: String, _ line: Int?, _ rule: String, _ tag: String) -> Finding {
        Finding(rule: rule, title: "t", host: "compute1", file: file, section: "DEFAULT", key: "k",
                status: .pass, severity: .low, expected: nil, actual: nil, line: line, message: tag, guide: nil)
    }

    private func stablySorted(_ findings: [Finding]) -> [Finding] {
        findings.enumerated().sorted { lhs, rhs in
            if Finding.reportOrder(lhs.element, rhs.element) { return true }
            if Finding.reportOrder(rhs.element, lhs.element) { return false }
            return lhs.offset < rhs.offset
        }.map(\.element)
    }

    @Test func ordersEveryShapeAsAStableSort() {
        var generator = SystemRandomNumberGenerator()
        let files = ["/etc/hosts", "/etc/nova/nova.conf", "/etc/neutron/neutron.conf"]
        let lines: [Int?] = [nil, 1, 2, 7, 30]
        let rules = ["a.rule", "b.rule", "c.rule"]
        for round in 0..<300 {
            let count = Int.random(in: 0...40, using: &generator)
            var findings = (0..<count).map { index in
                finding(files.randomElement(using: &generator)!, lines.randomElement(using: &generator)!,
                        rules.randomElement(using: &generator)!, "\(round).\(index)")
            }
            switch round % 3 {
            case 0:
                findings = stablySorted(findings)
            case 1:
                // Two runs, each in order, ties between them included.
                let cut = Int.random(in: 0...findings.count, using: &generator)
                findings = stablySorted(Array(findings[..<cut])) + stablySorted(Array(findings[cut...]))
            default:
                break
            }
            #expect(findings.inReportOrder().map(\.message) == stablySorted(findings).map(\.message))
        }
    }

    @Test func twoRunsTieWithTheFirstRunsFindingFirst() {
        let own = [finding("/etc/nova/nova.conf", 3, "a.rule", "own")]
        let fleet = [finding("/etc/hosts", 1, "a.rule", "fleet first"), finding("/etc/nova/nova.conf", 3, "a.rule", "fleet tie")]
        #expect((own + fleet).inReportOrder().map(\.message) == ["fleet first", "own", "fleet tie"])
    }
}
