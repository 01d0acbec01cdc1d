import Foundation

/// Debian's `chromium`, headless, for loading reports the way a person's browser does
/// (`.ci/setup test` installs it). Pages are loaded from `file://` URLs only; the browser
/// gets a throw-away profile and its background network services are turned off.
package struct HeadlessChromium: Sendable {
    package let executable: String

    package init(executable: String) {
        self.executable = executable
    }

    /// `nil` when chromium is not installed.
    package static func find() -> HeadlessChromium? {
        for name in ["chromium", "chromium-browser"] {
            if let path = ExternalProgram.which(name) { return HeadlessChromium(executable: path) }
        }
        return nil
    }

    private func arguments(_ profile: String) -> [String] {
        ["--headless", "--disable-gpu", "--no-sandbox", "--user-data-dir=" + profile, "--no-first-run",
         "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-dev-shm-usage",
         "--virtual-time-budget=5000"]
    }

    /// The DOM after the page's scripts ran, serialised.
    package func dumpDOM(_ url: URL) throws -> String {
        let profile = try TemporaryDirectory(prefix: "chromium-profile")
        let output = try ExternalProgram.run(executable, arguments(profile.path) + ["--dump-dom", url.absoluteString])
        guard output.status == 0 else { throw Failure(message: "exit \(output.status): \(output.stderr.suffix(2000))") }
        return String(decoding: output.stdout, as: UTF8.self)
    }

    /// Writes a PNG of the page's first `height` pixels at `width` to `path`.
    package func screenshot(_ url: URL, to path: String, width: Int = 1280, height: Int = 2400) throws {
        let profile = try TemporaryDirectory(prefix: "chromium-profile")
        let output = try ExternalProgram.run(executable, arguments(profile.path) + [
            "--hide-scrollbars", "--window-size=\(width),\(height)", "--screenshot=" + path, url.absoluteString,
        ])
        guard output.status == 0, FileManager.default.fileExists(atPath: path) else {
            throw Failure(message: "exit \(output.status): \(output.stderr.suffix(2000))")
        }
    }

    package struct Failure: Error, CustomStringConvertible {
        package var message: String
        package var description: String { "chromium failed: \(message)" }
    }
}
