import DriftReporting
import Synchronization
import Testing

@Suite struct ProgressMeterTests {
    final class Screen: Sendable {
        let text = Mutex("")
        func write(_ piece: String) { text.withLock { $0 += piece } }
    }

    @Test func drawsHostsDoneTotalAndFailuresInPlace() {
        let screen = Screen()
        let meter = ProgressMeter(write: screen.write)
        meter.update(done: 1, total: 20, failed: 0)
        meter.update(done: 3, total: 20, failed: 1)
        meter.update(done: 2, total: 20, failed: 0)  // a slower thread's older news
        meter.finish()
        #expect(screen.text.withLock { $0 } == "\r\u{1B}[Kcollecting: 1/20 hosts\r\u{1B}[Kcollecting: 3/20 hosts, 1 failed\r\u{1B}[K")
    }

    @Test func showsOnlyToAPersonAtATerminal() {
        #expect(ProgressMeter.isWanted(quiet: false, stdoutIsTerminal: true, stderrIsTerminal: true))
        #expect(!ProgressMeter.isWanted(quiet: true, stdoutIsTerminal: true, stderrIsTerminal: true))
        #expect(!ProgressMeter.isWanted(quiet: false, stdoutIsTerminal: false, stderrIsTerminal: true), "cron, pipes")
        #expect(!ProgressMeter.isWanted(quiet: false, stdoutIsTerminal: true, stderrIsTerminal: false))
        let screen = Screen()
        ProgressMeter(write: screen.write).finish()
        #expect(screen.text.withLock { $0 }.isEmpty, "nothing to erase when nothing was drawn")
    }
}
