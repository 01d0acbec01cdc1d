/// The tool's version, written into every run and report.
package enum StackdriftVersion {
    package static let current = "0.1.0"
}
