import Foundation
import Testing

/// Runs the real programs stackdrift is compared with (oslo.config, my_print_defaults,
/// lvmconfig, …) and finds the tools `.ci/setup test` installs.
package enum ExternalProgram {
    package static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Set by `.ci/test`: a missing tool is then a test failure, not a skip.
    package static var required: Bool { ProcessInfo.processInfo.environment["STACKDRIFT_REQUIRE_TOOLS"] == "1" }

    /// The virtualenv with oslo.config and PasteDeploy that `.ci/setup test` creates.
    package static var python: String? {
        let path = packageRoot + "/.build/pyenv/bin/python3"
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// Debian 12's own configuration files, extracted by `.ci/setup test`.
    package static var debianConfigs: String? {
        let path = packageRoot + "/.build/debian-configs"
        return FileManager.default.fileExists(atPath: path + "/.complete") ? path : nil
    }

    package static func which(_ name: String) -> String? {
        for directory in ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin"] {
            let path = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Returns the tool, or records why it is missing: an issue when tools are required, a
    /// note otherwise (the caller then returns without asserting).
    package static func require(_ tool: String?, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        if let tool { return tool }
        if required {
            Issue.record("\(what) is missing; run 'bash .ci/setup test'", sourceLocation: sourceLocation)
        } else {
            print("note: skipping comparison with \(what): not installed (run 'bash .ci/setup test')")
        }
        return nil
    }

    package struct Output: Sendable {
        /// The exit status, or the signal's number when `signaled`.
        package var status: Int32
        package var stdout: Data
        package var stderr: String
        /// The process was killed by a signal.
        package var signaled: Bool
    }

    /// Runs a program to its end and returns what it printed.
    package static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           currentDirectory: String? = nil) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        var env = ProcessInfo.processInfo.environment
        env["LANG"] = "C.UTF-8"
        env["PYTHONUTF8"] = "1"
        env.merge(environment) { _, new in new }
        process.environment = env
        return try captured(process)
    }

    /// Runs `process` to its end with its input from `input` and its output captured in files,
    /// not pipes: a pipe's end of file waits for every process holding its write end, and a
    /// child another test starts at that moment can inherit it (Foundation's `Process` does
    /// not make its pipes close-on-exec); an `ssh-keygen` read that way once hung a test for
    /// minutes after the program had exited. A file is complete when the program exits.
    package static func captured(_ process: Process, input: Data? = nil) throws -> Output {
        let directory = FileManager.default.temporaryDirectory
        let stem = "stackdrift-test-\(getpid())-\(UUID().uuidString)"
        let paths = ["in", "out", "err"].map { directory.appendingPathComponent("\(stem).\($0)").path }
        defer { for path in paths { try? FileManager.default.removeItem(atPath: path) } }
        guard FileManager.default.createFile(atPath: paths[0], contents: input ?? Data()),
              FileManager.default.createFile(atPath: paths[1], contents: nil),
              FileManager.default.createFile(atPath: paths[2], contents: nil),
              let stdin = FileHandle(forReadingAtPath: paths[0]),
              let stdout = FileHandle(forWritingAtPath: paths[1]), let stderr = FileHandle(forWritingAtPath: paths[2]) else {
            throw CocoaError(.fileWriteUnknown)
        }
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        process.waitUntilExit()
        for handle in [stdin, stdout, stderr] { try? handle.close() }
        return Output(status: process.terminationStatus,
                      stdout: FileManager.default.contents(atPath: paths[1]) ?? Data(),
                      stderr: String(decoding: FileManager.default.contents(atPath: paths[2]) ?? Data(), as: UTF8.self),
                      signaled: process.terminationReason == .uncaughtSignal)
    }
}

/// Runs SQL with Python's sqlite3 so the test does not go through the code under test.
package func sqlite(_ path: String, _ sql: String) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()", path, sql]
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
}
