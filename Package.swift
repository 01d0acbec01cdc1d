// swift-tools-version: 6.0
import PackageDescription

// stackdrift: a configuration-drift auditor for OpenStack clouds built from the
// Icehouse installation guide. Targets are grouped by layer; each arrow in
// ARCHITECTURE.md is a plain value crossing one of these module boundaries.
let package = Package(
    name: "stackdrift",
    products: [
        .executable(name: "stackdrift", targets: ["stackdrift"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // MARK: C libraries from Debian

        /// SQLite, the snapshot store's engine (Debian: libsqlite3-dev).
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        /// libssh2, the SSH transport's engine (Debian: libssh2-1-dev). Only DriftTransport imports it.
        .systemLibrary(name: "CLibSSH2", pkgConfig: "libssh2", providers: [.apt(["libssh2-1-dev"])]),
        /// OpenSSL's libcrypto for SHA-256 and HMAC (Debian: libssl-dev, pulled in by libssh2-1-dev).
        .systemLibrary(name: "CLibCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        /// libpq, the PostgreSQL client library, for shared histories (Debian: libpq-dev).
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        /// libdeflate, to deflate stored contents and finding sets in the zlib format (Debian: libdeflate-dev).
        .systemLibrary(name: "CLibDeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),
        /// openat2(2), which glibc does not wrap, for reading local trees (Debian: linux-libc-dev).
        .systemLibrary(name: "CLinux", providers: [.apt(["linux-libc-dev"])]),

        // MARK: Libraries

        /// Shared vocabulary: hosts, inventory, documents, entries, findings, secrets, diagnostics.
        .target(name: "DriftCore", dependencies: ["CLibCrypto", .product(name: "Yams", package: "Yams")]),
        /// One parser per configuration format, all producing `ConfigDocument`.
        .target(name: "DriftParsing", dependencies: ["DriftCore"]),
        /// Rule model, YAML loader, matchers and the evaluation engine.
        .target(name: "DriftRules", dependencies: ["DriftCore", "DriftParsing", .product(name: "Yams", package: "Yams")]),
        /// Moving files off hosts: the `Transport` protocol, local trees, SSH (libssh2 and the system client).
        .target(name: "DriftTransport", dependencies: ["DriftCore", "CLibSSH2", "CLinux"]),
        /// Line diffs as unified hunks, for drift between runs.
        .target(name: "DriftDiff", dependencies: ["DriftCore"]),
        /// Run history: the store protocol, its SQLite and PostgreSQL backends, and history logic (changes, diffs,
        /// per-key history) above them.
        .target(name: "DriftStore", dependencies: ["DriftCore", "DriftDiff", "CSQLite", "CLibPQ", "CLibDeflate"]),
        /// Reports as functions of a run (held in memory or read host by host from the store), written to a stream.
        .target(name: "DriftReporting", dependencies: ["DriftCore", "DriftParsing"]),
        /// Fixes: failing findings' remedies applied to the stored files, written as patches and playbooks.
        .target(name: "DriftFix", dependencies: ["DriftCore"]),
        /// Ansible inventories (INI, YAML, `ansible-inventory --list` JSON) read and turned into stackdrift inventories.
        .target(name: "DriftAnsible", dependencies: ["DriftCore", .product(name: "Yams", package: "Yams")]),
        /// The audit pipeline, one host at a time: collect, parse, evaluate, store; then the fleet's checks and the exit code.
        .target(name: "DriftAudit", dependencies: ["DriftCore", "DriftParsing", "DriftRules", "DriftTransport", "DriftStore"]),

        // MARK: Command line

        /// Thin CLI: argument parsing and wiring only. Every module it imports is named here.
        .executableTarget(name: "stackdrift", dependencies: [
            "DriftAudit", "DriftAnsible", "DriftCore", "DriftDiff", "DriftFix", "DriftParsing", "DriftRules", "DriftReporting", "DriftStore",
            "DriftTransport", "CLinux",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        /// The sample reports in Reports/: the demo fleet audited with a fixed clock, version and key.
        .target(name: "DriftSamples", dependencies: ["DriftAudit", "DriftCore", "DriftReporting", "DriftRules", "DriftStore",
                                                     "DriftTransport"]),
        /// Writes the sample reports (swift run stackdrift-samples); a test fails when they are stale.
        .executableTarget(name: "stackdrift-samples", dependencies: ["DriftSamples"]),

        /// Replays files through every parser's checks; with -DFUZZING a libFuzzer target (see .ci/fuzz).
        .executableTarget(name: "stackdrift-fuzz", dependencies: ["DriftCore", "DriftParsing", "DriftReporting"]),

        /// Parser throughput against Python's configparser and oslo.config (run with -c release).
        .executableTarget(name: "stackdrift-parser-benchmark", dependencies: ["DriftCore", "DriftParsing"],
                          path: "Benchmarks/ParserBenchmark"),

        /// Line-diff speed and a year of nightly runs' database growth (run with -c release).
        .executableTarget(name: "stackdrift-history-benchmark",
                          dependencies: ["DriftAudit", "DriftCore", "DriftDiff", "DriftRules", "DriftStore", "DriftTransport"],
                          path: "Benchmarks/HistoryBenchmark"),

        // MARK: Tests

        /// Helpers shared by the test targets: temporary directories, diagnostic expectations.
        .target(name: "DriftTestSupport", dependencies: ["DriftCore"], path: "Tests/DriftTestSupport"),
        .testTarget(name: "DriftCoreTests", dependencies: ["DriftCore", "DriftTestSupport"]),
        .testTarget(name: "DriftParsingTests", dependencies: ["DriftCore", "DriftParsing", "DriftTestSupport"], exclude: ["Differential"]),
        .testTarget(name: "DriftRulesTests", dependencies: ["DriftCore", "DriftFix", "DriftParsing", "DriftRules", "DriftTestSupport"]),
        .testTarget(name: "DriftTransportTests", dependencies: ["DriftCore", "DriftTransport", "DriftTestSupport"]),
        .testTarget(name: "DriftFixTests", dependencies: ["DriftCore", "DriftFix", "DriftTestSupport"]),
        .testTarget(name: "DriftDiffTests", dependencies: ["DriftCore", "DriftDiff", "DriftTestSupport"]),
        .testTarget(name: "DriftStoreTests", dependencies: ["DriftCore", "DriftStore", "DriftTestSupport"]),
        .testTarget(name: "DriftReportingTests", dependencies: ["DriftCore", "DriftReporting", "DriftTestSupport"], exclude: ["Golden"]),
        .testTarget(name: "DriftAuditTests", dependencies: [
            "DriftAudit", "DriftCore", "DriftFix", "DriftReporting", "DriftRules", "DriftSamples", "DriftStore", "DriftTestSupport", "DriftTransport",
        ], exclude: ["Fixtures"]),
        .testTarget(name: "DriftAnsibleTests", dependencies: ["DriftAnsible", "DriftCore", "DriftTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "CLITests", dependencies: ["DriftTestSupport"]),
    ]
)
