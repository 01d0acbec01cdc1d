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

    /// Runs a program to its end and returns what it printed, reading both pipes at once so
    /// a full stderr cannot block the child.
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
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let errorData = LockedData()
        let reader = Thread { errorData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorData.isSet { usleep(1000) }
        return Output(status: process.terminationStatus, stdout: stdout,
                      stderr: String(decoding: errorData.value, as: UTF8.self),
                      signaled: process.terminationReason == .uncaughtSignal)
    }
}

private final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?

    func set(_ value: Data) {
        lock.lock()
        data = value
        lock.unlock()
    }

    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return data != nil
    }

    var value: Data {
        lock.lock()
        defer { lock.unlock() }
        return data ?? Data()
    }
}
