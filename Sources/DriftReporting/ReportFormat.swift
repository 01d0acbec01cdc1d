import DriftCore

/// The report formats, each a pure function of a run; `audit --html/--json/--junit` and
/// `report --format` both render through here.
public enum ReportFormat: String, CaseIterable, Sendable {
    /// A self-contained page for people (`HTMLReport`).
    case html
    /// The machine-readable contract (`JSONReport`, `Reports/report.schema.json`).
    case json
    /// JUnit XML for CI systems (`JUnitReport`).
    case junit
    /// The terminal summary (`TextReport`).
    case text

    /// What rendering needs beyond the run.
    public struct Options: Sendable {
        /// ANSI colours in the text format.
        public var color: Bool
        /// Rule rationales by rule id, for the HTML format.
        public var rationales: [String: String]

        public init(color: Bool = false, rationales: [String: String] = [:]) {
            self.color = color
            self.rationales = rationales
        }
    }

    public func render(_ run: AuditRun, options: Options = Options()) -> String {
        switch self {
        case .html: return HTMLReport(rationales: options.rationales).render(run)
        case .json: return JSONReport.render(run)
        case .junit: return JUnitReport.render(run)
        case .text: return TextReport(color: options.color).render(run)
        }
    }
}
