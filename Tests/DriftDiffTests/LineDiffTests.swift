import DriftCore
import DriftDiff
import DriftTestSupport
import Foundation
import Testing

/// Applies hunks to `old` the way `patch` does, checking every context and removed line.
func apply(_ hunks: [DiffHunk], to old: [String]) -> [String]? {
    var result: [String] = []
    var position = 0
    for hunk in hunks {
        let start = hunk.oldCount == 0 ? hunk.oldStart : hunk.oldStart - 1
        guard start >= position, start <= old.count else { return nil }
        result += old[position..<start]
        position = start
        for line in hunk.lines {
            switch line.kind {
            case .context, .removed:
                guard position < old.count, old[position] == line.text, line.oldLine == position + 1 else { return nil }
                if line.kind == .context { result.append(line.text) }
                position += 1
            case .added:
                guard line.newLine == result.count + 1 else { return nil }
                result.append(line.text)
            }
        }
    }
    return result + old[position...]
}

@Suite struct LineDiffTests {
    @Test func aChangedLineIsOneHunkWithThreeLinesOfContext() {
        let old = (1...10).map { "line \($0)" }
        var new = old
        new[4] = "line five"
        let hunks = LineDiff.hunks(old: old, new: new)
        #expect(LineDiff.render(hunks) == """
        @@ -2,7 +2,7 @@
         line 2
         line 3
         line 4
        -line 5
        +line five
         line 6
         line 7
         line 8

        """)
        #expect(hunks[0].lines.map(\.oldLine) == [2, 3, 4, 5, nil, 6, 7, 8])
        #expect(hunks[0].lines.map(\.newLine) == [2, 3, 4, nil, 5, 6, 7, 8])
    }

    @Test func distantChangesAreSeparateHunksAndCloseOnesMerge() {
        let old = (1...40).map { "l\($0)" }
        var new = old
        new[2] = "x"; new[30] = "y"; new[35] = "z"
        let hunks = LineDiff.hunks(old: old, new: new)
        #expect(hunks.map(\.header) == ["@@ -1,6 +1,6 @@", "@@ -28,12 +28,12 @@"])
    }

    @Test func additionsAndRemovalsAtTheEdges() {
        #expect(LineDiff.render(LineDiff.hunks(old: [], new: ["a", "b"])) == "@@ -0,0 +1,2 @@\n+a\n+b\n")
        #expect(LineDiff.render(LineDiff.hunks(old: ["a", "b"], new: [])) == "@@ -1,2 +0,0 @@\n-a\n-b\n")
        #expect(LineDiff.hunks(old: ["same"], new: ["same"]).isEmpty)
        #expect(LineDiff.lines(Array("a\nb\n".utf8)) == ["a", "b"])
        #expect(LineDiff.lines(Array("a\nb".utf8)) == ["a", "b"])
        #expect(LineDiff.lines(Array("\n".utf8)) == [""])
    }

    @Test(arguments: 0..<200)
    func randomEditsRoundTrip(_ seed: Int) {
        var generator = SeededRandom(seed: UInt64(seed))
        let vocabulary = ["[DEFAULT]", "my_ip = 10.0.0.31", "", "# comment", "verbose = True", "[database]", "x", "y"]
        let old = (0..<Int.random(in: 0...30, using: &generator)).map { _ in vocabulary.randomElement(using: &generator)! }
        var new = old
        for _ in 0..<Int.random(in: 0...6, using: &generator) {
            switch Int.random(in: 0..<3, using: &generator) {
            case 0 where !new.isEmpty: new.remove(at: Int.random(in: 0..<new.count, using: &generator))
            case 1: new.insert("new \(Int.random(in: 0...3, using: &generator))", at: Int.random(in: 0...new.count, using: &generator))
            default: if !new.isEmpty { new[Int.random(in: 0..<new.count, using: &generator)] = vocabulary.randomElement(using: &generator)! }
            }
        }
        let hunks = LineDiff.hunks(old: old, new: new)
        #expect(apply(hunks, to: old) == new, "seed \(seed)")
        #expect(hunks.isEmpty == (old == new))
    }

    /// GNU patch, the program that consumes unified diffs, applies ours exactly.
    @Test func gnuPatchAppliesTheRenderedDiff() throws {
        guard let patch = ExternalProgram.require(ExternalProgram.which("patch"), "GNU patch") else { return }
        var generator = SeededRandom(seed: 42)
        let directory = try TemporaryDirectory(prefix: "diff-patch")
        for round in 0..<20 {
            let old = (0..<300).map { _ in "value = \(Int.random(in: 0..<40, using: &generator))" }
            var new = old
            for _ in 0..<15 {
                let index = Int.random(in: 0..<new.count, using: &generator)
                if Bool.random(using: &generator) { new[index] = "changed \(round)" } else { new.insert("added", at: index) }
            }
            let oldPath = try directory.write("old\(round).conf", old.joined(separator: "\n") + "\n")
            let diff = "--- a\n+++ b\n" + LineDiff.render(LineDiff.hunks(old: old, new: new))
            let diffPath = try directory.write("change\(round).diff", diff)
            let output = directory.path + "/out\(round).conf"
            let result = try ExternalProgram.run(patch, ["--quiet", "--fuzz=0", "-o", output, oldPath, diffPath])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(try String(contentsOfFile: output, encoding: .utf8) == new.joined(separator: "\n") + "\n")
        }
    }

    @Test func mostlyDifferentFilesStillGiveACorrectDiff() {
        let old = (0..<10_000).map { "old \($0)" }
        var new = (0..<10_000).map { "new \($0)" }
        new[5_000] = "old 5000"
        let hunks = LineDiff.hunks(old: old, new: new)
        #expect(apply(hunks, to: old) == new)
        #expect(hunks.flatMap(\.lines).filter { $0.kind == .context }.count == 1)
    }
}
