/// The tool's version, written into every run and report.
public enum StackdriftVersion {
    public static let current = "0.1.0"
}
