import DriftTestSupport
import Foundation
import Testing

/// The Debian package `.ci/package` builds (`.ci/test` builds it before the suite), unpacked
/// into an empty root and run there with a bare environment from another directory: what an
/// audit host without Swift gets from `apt install ./stackdrift_*.deb`.
enum BuiltPackage {
    static var directory: String { ExternalProgram.packageRoot + "/.build/package" }

    /// The one .deb there, if any.
    static var deb: String? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasPrefix("stackdrift_") && $0.hasSuffix(".deb") }.sorted().last.map { directory + "/" + $0 }
    }

    /// The package unpacked into `root/`, an empty directory in a new scratch directory; `nil`
    /// (with the reason recorded) when no package was built.
    static func unpacked(sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> (TemporaryDirectory, String)? {
        guard let deb = ExternalProgram.require(deb, "the Debian package (bash .ci/package)", sourceLocation: sourceLocation) else {
            return nil
        }
        let scratch = try TemporaryDirectory(prefix: "stackdrift-package")
        let root = scratch.path + "/root"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try unpack(deb, into: root)
        return (scratch, root)
    }

    /// Unpacks the package into a new empty directory.
    static func unpack(_ deb: String, into root: String) throws {
        let result = try ExternalProgram.run("/usr/bin/dpkg-deb", ["-x", deb, root])
        guard result.status == 0 else { throw SSHTestTools.Failure("dpkg-deb -x failed: \(result.stderr)") }
    }

    /// Runs the unpacked binary under `env -i` (no PATH, HOME, LANG: nothing of this
    /// machine's or the checkout's) in `directory`.
    static func run(_ root: String, _ arguments: [String], in directory: String) throws -> ExternalProgram.Output {
        try ExternalProgram.run("/usr/bin/env", ["-i", root + "/usr/bin/stackdrift"] + arguments, currentDirectory: directory)
    }
}

@Suite(.serialized) struct PackageTests {
    @Test func theUnpackedPackageRunsWithABareEnvironmentAndAuditsTheDemoFleet() throws {
        guard let (scratch, root) = try BuiltPackage.unpacked() else { return }
        let elsewhere = scratch.path + "/work"
        try FileManager.default.copyItem(atPath: ExternalProgram.packageRoot + "/Examples/demo", toPath: elsewhere)

        let version = try BuiltPackage.run(root, ["--version"], in: elsewhere)
        #expect(version.status == 0, "\(version.stderr)")
        #expect(!String(decoding: version.stdout, as: UTF8.self).isEmpty)

        let rules = try BuiltPackage.run(root, ["rules", "list"], in: elsewhere)
        let listed = String(decoding: rules.stdout, as: UTF8.self)
        #expect(rules.status == 0, "\(rules.stderr)")
        #expect(listed.contains("(built-in rules: \(root)/usr/share/stackdrift/Rules)"), "the package's own rules, not the checkout's")

        let audit = try BuiltPackage.run(root, ["audit", "-i", "inventory.yaml", "--db", scratch.path + "/audit.db",
                                                "--json", scratch.path + "/report.json"], in: elsewhere)
        let summary = String(decoding: audit.stdout, as: UTF8.self)
        #expect(audit.status == 1, "\(audit.stderr)")
        #expect(summary.contains("stackdrift audit of 7 hosts"))
        #expect(summary.contains("DRIFT: 9 problems (12 failing checks on 4 hosts)"), "\(summary)")
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/report.json"))
    }

    /// Regression (issue 18): a copied binary audited with the build machine's checkout rules.
    /// Without its rules it says where it looked, and never reaches for a checkout.
    @Test func withoutItsRulesTheBinarySaysWhereItLooked() throws {
        guard let (scratch, root) = try BuiltPackage.unpacked() else { return }
        try FileManager.default.removeItem(atPath: root + "/usr/share/stackdrift/Rules")
        let result = try BuiltPackage.run(root, ["rules", "list"], in: scratch.path)
        #expect(result.status == 64)
        #expect(result.stderr.contains("cannot find the built-in rules (looked in '\(root)/usr/share/stackdrift/Rules')"),
                "\(result.stderr)")
        #expect(!result.stderr.contains(ExternalProgram.packageRoot), "no checkout is consulted")
    }

    /// What the package holds and declares: Debian libraries only, the rules, a man page per
    /// command, completions for three shells, the nightly examples.
    @Test func thePackageHoldsWhatTheREADMEPromises() throws {
        guard let deb = ExternalProgram.require(BuiltPackage.deb, "the Debian package (bash .ci/package)") else { return }
        let depends = String(decoding: try ExternalProgram.run("/usr/bin/dpkg-deb", ["-f", deb, "Depends"]).stdout, as: UTF8.self)
        let packages = Set(depends.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ")[0] })
        for required in ["libssh2-1", "libsqlite3-0", "libpq5", "libssl3", "libdeflate0", "libc6"] {
            #expect(packages.contains(Substring(required)), "Depends: \(depends)")
        }
        #expect(!depends.lowercased().contains("swift"), "Depends: \(depends)")

        let scratch = try TemporaryDirectory(prefix: "stackdrift-package")
        try BuiltPackage.unpack(deb, into: scratch.path)
        let ldd = try ExternalProgram.run("/usr/bin/ldd", [scratch.path + "/usr/bin/stackdrift"])
        let linked = String(decoding: ldd.stdout, as: UTF8.self)
        #expect(!linked.contains("not found") && !linked.contains("libswift") && !linked.contains("libFoundation"), "\(linked)")

        let files = Set(FileManager.default.subpaths(atPath: scratch.path) ?? [])
        for expected in ["usr/bin/stackdrift", "usr/share/stackdrift/Rules/nova.conf.yaml",
                         "usr/share/stackdrift/Rules/upgrade/icehouse-to-juno.yaml",
                         "usr/share/man/man1/stackdrift.1.gz", "usr/share/man/man1/stackdrift.audit.1.gz",
                         "usr/share/man/man1/stackdrift.inventory.sudoers.1.gz",
                         "usr/share/bash-completion/completions/stackdrift", "usr/share/zsh/vendor-completions/_stackdrift",
                         "usr/share/fish/vendor_completions.d/stackdrift.fish",
                         "usr/share/doc/stackdrift/examples/stackdrift.service", "usr/share/doc/stackdrift/examples/stackdrift.timer",
                         "usr/share/doc/stackdrift/examples/stackdrift.cron", "usr/share/doc/stackdrift/examples/fleet.yaml"] {
            #expect(files.contains(expected), "\(expected) is not in the package")
        }
    }
}
