import DriftCore

/// The report formats, each a pure function of a run; `audit --html/--json/--junit` and
/// `report --format` both render through here.
package enum ReportFormat: String, CaseIterable, Sendable {
    /// A self-contained page for people (`HTMLReport`).
    case html
    /// The machine-readable contract (`JSONReport`, `Reports/report.schema.json`).
    case json
    /// JUnit XML for CI systems (`JUnitReport`).
    case junit
    /// The terminal summary (`TextReport`).
    case text

    /// What rendering needs beyond the run.
    package struct Options: Sendable {
        /// ANSI colours in the text format.
        package var color: Bool
        /// Rule rationales by rule id, for the HTML format.
        package var rationales: [String: String]
        /// Every finding under its problem, in the text format.
        package var verbose: Bool

        package init(color: Bool = false, rationales: [String: String] = [:], verbose: Bool = false) {
            self.color = color
            self.rationales = rationales
            self.verbose = verbose
        }
    }

    /// Renders a run held in memory into a string (tests, samples, golden files).
    package func render(_ run: AuditRun, options: Options = Options()) -> String {
        (try? String.report { try write(run, options: options, to: $0) }) ?? ""
    }

    /// Writes a run as it is read, host by host, into `sink`.
    package func write(_ run: any ReportableRun, options: Options = Options(), to sink: any ReportSink) throws {
        switch self {
        case .html: try HTMLReport(rationales: options.rationales).write(run, to: sink)
        case .json: try JSONReport.write(run, to: sink)
        case .junit: try JUnitReport.write(run, to: sink)
        case .text: try sink.write(TextReport(color: options.color, verbose: options.verbose).render(summaryOf: run))
        }
    }
}
