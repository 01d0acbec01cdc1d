import DriftCore
import DriftReporting
import Foundation
import Testing

@Suite struct TextReportFormatTests {
    @Test func saysWhatChangedSinceThePreviousRunInOneLine() {
        let text = TextReport(color: false).render(ReportFixture.run())
        #expect(text.contains("  since run 6 (2025-11-23 16:00:00 UTC): problems 12 new, 1 fixed, 1 still failing "
                              + "(1 now waived, 1 not checked this time); checks 1 newly failing, 1 fixed, 1 still failing; "
                              + "1 file changed, 1 new, 1 vanished"))
        #expect(!TextReport(color: false).render(ReportFixture.run(changes: nil)).contains("since run"))
    }

    @Test func listsUpgradeChecksInABlockOfTheirOwn() throws {
        let text = TextReport(color: false).render(ReportFixture.run())
        #expect(text.contains("  checks: 1 pass, 8 fail, 2 error, 1 waived, 1 skipped"), "guide checks only")
        #expect(text.contains("  upgrade: 1 to change before juno, 1 pass, 0 error, 0 waived, 0 skipped"))
        let block = try #require(text.range(of: "Before upgrading to juno (from icehouse): 1 change on 1 host"))
        let afterBlock = text[block.upperBound...]
        #expect(afterBlock.contains("(upgrade.juno.nova.rpc_backend)"))
        #expect(!text[..<block.lowerBound].contains("upgrade.juno."))
        #expect(text.contains("DRIFT: 8 problems (8 failing checks on 3 hosts)\nUPGRADE: 1 change before juno on 1 host\nINCOMPLETE"))
    }

    @Test func aConfigValueCannotDriveTheTerminal() {
        for color in [false, true] {
            let text = TextReport(color: color).render(ReportFixture.run())
            #expect(text.contains("cannot evaluate 'a\u{241B}[31mred\u{2407}\u{2400}b\\u{202e}c'"))
            #expect(!text.contains("\u{7}") && !text.contains("\u{0}") && !text.unicodeScalars.contains { $0.value == 0x202E })
            // With colour, every escape sequence is one of the report's own.
            let escapes = text.components(separatedBy: "\u{1B}").dropFirst()
            let ours = ["[0m", "[1m", "[2m", "[31m", "[32m", "[33m", "[35m"]
            #expect(escapes.allSatisfy { escape in ours.contains { escape.hasPrefix($0) } })
            #expect(color || escapes.isEmpty)
        }
    }
}
