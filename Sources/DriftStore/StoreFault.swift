import Foundation

/// Fault injection for the crash-safety tests: `STACKDRIFT_FAULT=kill-while-storing:N`
/// makes the process SIGKILL itself after writing N rows of a run, inside the transaction,
/// so a test can check that the database survives a run killed mid-write. Unset in normal use.
struct StoreFault {
    let killAfterRows: Int

    static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> StoreFault? {
        guard let value = environment["STACKDRIFT_FAULT"], value.hasPrefix("kill-while-storing:"),
              let rows = Int(value.dropFirst("kill-while-storing:".count)), rows >= 0 else { return nil }
        return StoreFault(killAfterRows: rows)
    }

    func reached(rowsWritten: Int) {
        if rowsWritten >= killAfterRows { kill(getpid(), SIGKILL) }
    }
}
