import DriftCore
import DriftParsing
import Foundation

// Parses one corpus of oslo.config files with stackdrift and with Python's configparser and
// oslo.config's own parser, in one run, and prints each one's throughput and the ratios.
//
//   swift run -c release stackdrift-parser-benchmark [--seconds S] [--python PATH] [FILE...]
//
// With no files the corpus is Debian 12's oslo.config files (.build/debian-configs, from
// `.ci/setup test`) plus the demo fleet's. Every parser reads the same bytes from memory,
// repeatedly, for at least S seconds (default 3); only parsing is timed.

@main
enum ParserBenchmark {
    static func main() {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path

        var arguments = Array(CommandLine.arguments.dropFirst())
        func option(_ name: String) -> String? {
            guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
            defer { arguments.removeSubrange(index...(index + 1)) }
            return arguments[index + 1]
        }
        let seconds = Double(option("--seconds") ?? "3") ?? 3
        let python = option("--python") ?? packageRoot + "/.build/pyenv/bin/python3"

        func corpusFiles() -> [String] {
            if !arguments.isEmpty { return arguments }
            var files: [String] = []
            for root in [packageRoot + "/.build/debian-configs", packageRoot + "/Examples/demo/trees"] {
                let enumerator = FileManager.default.enumerator(atPath: root)
                while let path = enumerator?.nextObject() as? String {
                    let name = (path as NSString).lastPathComponent
                    if FormatDetector.format(forPath: "/" + path) == .osloINI, name.hasSuffix(".conf") || name.hasSuffix(".ini"),
                       !name.contains("paste"), !name.contains("logging") {
                        files.append(root + "/" + path)
                    }
                }
            }
            return files.sorted()
        }

        let files = corpusFiles()
        let contents = files.compactMap { FileManager.default.contents(atPath: $0).map { Array($0) } }
        let secrets = SecretPolicy(keyPatterns: ["*password*"])
        // Only files oslo.config accepts; the same list goes to Python.
        let accepted = zip(files, contents).filter { (try? DocumentParser.parse($0.1, path: $0.0, format: .osloINI, secrets: secrets)) != nil }
        let corpusBytes = accepted.reduce(0) { $0 + $1.1.count }
        guard corpusBytes > 0 else {
            print("no corpus: run 'bash .ci/setup test' or pass files")
            exit(66)
        }

        /// Runs `body` over the corpus until `seconds` have passed; returns MB/s.
        func measure(_ body: () -> Int) -> (mbPerSecond: Double, entries: Int) {
            var entries = 0
            _ = body()  // warm up
            let start = DispatchTime.now()
            var rounds = 0
            var elapsed = 0.0
            repeat {
                entries = body()
                rounds += 1
                elapsed = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            } while elapsed < seconds
            return (Double(corpusBytes * rounds) / 1e6 / elapsed, entries)
        }

        let swift = measure {
            var entries = 0
            for (path, bytes) in accepted {
                entries += (try? DocumentParser.parse(bytes, path: path, format: .osloINI, secrets: secrets))?.entries.count ?? 0
            }
            return entries
        }

        let script = """
        import configparser, json, sys, time
        from oslo_config import iniparser
        seconds = float(sys.argv[1])
        texts = [open(p, encoding="utf-8").read() for p in sys.argv[2:]]
        size = sum(len(t.encode("utf-8")) for t in texts)
        class Oslo(iniparser.BaseParser):
            def assignment(self, key, value): self.count += 1
            def new_section(self, section): pass
        def run_configparser():
            for text in texts:
                parser = configparser.RawConfigParser(strict=False)
                parser.optionxform = str
                parser.read_string(text)
        def run_oslo():
            for text in texts:
                parser = Oslo(); parser.count = 0
                parser.parse(text.splitlines(True))
        result = {}
        for name, body in [("configparser", run_configparser), ("oslo.config", run_oslo)]:
            body()
            start = time.perf_counter(); rounds = 0
            while True:
                body(); rounds += 1
                elapsed = time.perf_counter() - start
                if elapsed >= seconds: break
            result[name] = size * rounds / 1e6 / elapsed
        print(json.dumps(result))
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, String(seconds)] + accepted.map(\.0)
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch {
            print("cannot run \(python): \(error); run 'bash .ci/setup test'")
            exit(69)
        }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard let pythonRates = try? JSONSerialization.jsonObject(with: output) as? [String: Double],
              let configparserRate = pythonRates["configparser"], let osloRate = pythonRates["oslo.config"] else {
            print("the Python side failed: \(String(decoding: output, as: UTF8.self))")
            exit(70)
        }

        func format(_ value: Double) -> String { String(format: "%8.1f", value) }
        print("corpus: \(accepted.count) oslo.config files, \(String(format: "%.2f", Double(corpusBytes) / 1e6)) MB, \(swift.entries) entries")
        print("  stackdrift    \(format(swift.mbPerSecond)) MB/s")
        print("  configparser  \(format(configparserRate)) MB/s   stackdrift is \(String(format: "%.1f", swift.mbPerSecond / configparserRate))x")
        print("  oslo.config   \(format(osloRate)) MB/s   stackdrift is \(String(format: "%.1f", swift.mbPerSecond / osloRate))x")
        let goal = swift.mbPerSecond / configparserRate >= 20
        print("goal (at least 20x configparser): \(goal ? "met" : "missed")")
    }
}
