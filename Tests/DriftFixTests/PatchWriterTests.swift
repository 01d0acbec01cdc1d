import DriftCore
@testable import DriftFix
import DriftTestSupport
import Foundation
import Testing

@Suite struct PatchWriterTests {
    static let tag = "<redacted:0123456789ab>"

    func change(_ text: String, _ edits: [LineEdit], path: String = "/etc/x.conf") throws -> EditedFile {
        try EditedFile(path: path, content: Array(text.utf8), edits: edits)
    }

    func hunkLines(_ change: EditedFile) throws -> [String] {
        try PatchWriter.hunks(of: change).split(separator: "\n").map(String.init)
    }

    @Test func aSecretLineIsNeverContext() throws {
        let text = "[a]\nx = 1\npassword = \(Self.tag)\ny = 2\nz = 3\nw = 4\nv = 5\n"
        let edit = LineEdit(action: .setValue, file: "/etc/x.conf", line: 4, old: ["y = 2"], new: ["y = 9"])
        let lines = try hunkLines(try change(text, [edit]))
        // No context before (the secret line), so none after either: patch applies it at its line.
        #expect(lines == ["@@ -4,1 +4,1 @@", "-y = 2", "+y = 9"])
    }

    @Test func contextIsThreeLinesEachSideAwayFromSecrets() throws {
        let text = (1...9).map { "k\($0) = \($0)" }.joined(separator: "\n") + "\n"
        let edit = LineEdit(action: .setValue, file: "/etc/x.conf", line: 5, old: ["k5 = 5"], new: ["k5 = 50"])
        #expect(try hunkLines(try change(text, [edit])) == [
            "@@ -2,7 +2,7 @@", " k2 = 2", " k3 = 3", " k4 = 4", "-k5 = 5", "+k5 = 50", " k6 = 6", " k7 = 7", " k8 = 8",
        ])
    }

    @Test func keysAddedToOneNewSectionShareItsHeader() throws {
        let text = "[DEFAULT]\ndebug = False\n"
        let edits = [
            LineEdit(action: .addSection, file: "/etc/x.conf", line: 2, old: [], new: ["auth_host = controller"], header: "[keystone_authtoken]"),
            LineEdit(action: .addSection, file: "/etc/x.conf", line: 2, old: [], new: ["auth_port = 35357"], header: "[keystone_authtoken]"),
        ]
        let edited = try change(text, edits)
        #expect(String(decoding: edited.newContent, as: UTF8.self)
                == "[DEFAULT]\ndebug = False\n\n[keystone_authtoken]\nauth_host = controller\nauth_port = 35357\n")
    }

    @Test func crlfFilesGetCRLFLines() throws {
        let text = "[a]\r\nx = 1\r\n"
        let edit = LineEdit(action: .setValue, file: "/etc/x.conf", line: 2, old: ["x = 1"], new: ["x = 2"])
        #expect(String(decoding: try change(text, [edit]).newContent, as: UTF8.self) == "[a]\r\nx = 2\r\n")
    }

    @Test func aFileWithoutAFinalLineFeedKeepsNone() throws {
        let text = "[a]\nx = 1"
        let edit = LineEdit(action: .addKey, file: "/etc/x.conf", line: 2, old: [], new: ["y = 2"])
        let edited = try change(text, [edit])
        #expect(String(decoding: edited.newContent, as: UTF8.self) == "[a]\nx = 1\ny = 2")
        #expect(try hunkLines(edited) == [
            "@@ -1,2 +1,3 @@", " [a]", "-x = 1", "\\ No newline at end of file", "+x = 1", "+y = 2", "\\ No newline at end of file",
        ])
    }

    @Test func anEditOfLinesTheStoredFileDoesNotHoldIsRefused() throws {
        let edit = LineEdit(action: .setValue, file: "/etc/x.conf", line: 1, old: ["x = 1"], new: ["x = 2"])
        #expect(throws: EditedFile.Mismatch.self) { try change("x = 3\n", [edit]) }
    }

    /// GNU patch applies what the writer produces, beside secrets and at the file's edges, and
    /// gives exactly the edited text.
    @Test(arguments: [
        ("a = 1\nb = 2\n", LineEdit(action: .setValue, file: "/etc/x.conf", line: 1, old: ["a = 1"], new: ["a = 3"])),
        ("a = 1\nb = 2", LineEdit(action: .addKey, file: "/etc/x.conf", line: 2, old: [], new: ["c = 3"])),
        ("s = \(tag)\na = 1\ns2 = \(tag)\n", LineEdit(action: .removeKey, file: "/etc/x.conf", line: 2, old: ["a = 1"], new: ["#a = 1"])),
        ("s = \(tag)\n", LineEdit(action: .addKey, file: "/etc/x.conf", line: 1, old: [], new: ["a = 1"])),
        ("[a]\r\nx = 1\r\n", LineEdit(action: .addValue, file: "/etc/x.conf", line: 2, old: [], new: ["x = 2"])),
    ])
    func gnuPatchAppliesIt(_ text: String, _ edit: LineEdit) throws {
        guard let patch = ExternalProgram.require(ExternalProgram.which("patch"), "GNU patch") else { return }
        let scratch = try TemporaryDirectory(prefix: "patch")
        // The host's file: the stored text with a real secret where the tag stands.
        let real = text.replacingOccurrences(of: Self.tag, with: "s3cr3t-value")
        try FileManager.default.createDirectory(atPath: scratch.path + "/root/etc", withIntermediateDirectories: true)
        try Data(real.utf8).write(to: URL(fileURLWithPath: scratch.path + "/root/etc/x.conf"))
        let edited = try change(text, [edit])
        let file = try scratch.write("x.patch", try PatchWriter.patch(header: ["test"], changes: [edited]))
        let result = try ExternalProgram.run(patch, ["-p1", "--batch", "-F0", "-d", scratch.path + "/root", "-i", file])
        #expect(result.status == 0, "\(String(decoding: result.stdout, as: UTF8.self)) \(result.stderr)")
        let after = try String(contentsOfFile: scratch.path + "/root/etc/x.conf", encoding: .utf8)
        #expect(after == String(decoding: edited.newContent, as: UTF8.self).replacingOccurrences(of: Self.tag, with: "s3cr3t-value"))
    }
}
