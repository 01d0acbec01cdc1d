import ArgumentParser
import DriftCore
import DriftRules
import Foundation

struct Rules: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, show and check the rules audits are made of.",
        discussion: """
        The guide's rules live in Rules/ (see Rules/README.md for the format); site rules in \
        directories given with --rules; upgrade checks in the packs of Rules/upgrade/.

        Examples:
          stackdrift rules list --file /etc/nova/nova.conf --role compute
          stackdrift rules list --upgrade-to juno
          stackdrift rules show nova.default.my_ip
          stackdrift rules show juno.nova.default.neutron_url
          stackdrift rules lint /etc/stackdrift/rules
        """,
        subcommands: [List.self, Show.self, Lint.self]
    )

    struct RuleOptions: ParsableArguments {
        @Option(name: .long, help: ArgumentHelp("Extra rule directory (repeatable).", valueName: "dir"))
        var rules: [String] = []

        @Option(name: .long, help: ArgumentHelp("Include the upgrade checks for this release (juno).", valueName: "release"))
        var upgradeTo: String?

        func load(console: Console) throws -> RuleSet {
            do {
                return try RuleSet.load(directories: [try BuiltinRules.directory()] + rules, upgradeTo: upgradeTo)
            } catch {
                console.error("\(error)", prefixed: error is UnknownUpgradeTarget)
                throw ExitCode(64)
            }
        }

        /// Every upgrade pack's rules as well, for finding one rule by its id.
        func loadWithEveryPack(console: Console) throws -> RuleSet {
            var set = try load(console: console)
            do {
                let directories = [try BuiltinRules.directory()] + rules
                for pack in try directories.flatMap({ try UpgradePacks.available(in: UpgradePacks.directory(in: $0)) })
                where !set.sources.contains(pack.file) {
                    try set.merge(contentsOf: pack.file)
                }
            } catch {
                console.error("\(error)", prefixed: false)
                throw ExitCode(64)
            }
            return set
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List rules, optionally only those for a file, role, service or networking variant.",
            discussion: """
            Examples:
              stackdrift rules list
              stackdrift rules list --file /etc/neutron/plugins/ml2/ml2_conf.ini --role network
              stackdrift rules list --service telemetry
            """)

        @OptionGroup var options: RuleOptions
        @Option(name: .long, help: ArgumentHelp("Only rules reading this file.", valueName: "path")) var file: String?
        @Option(name: .long, help: ArgumentHelp("Only rules applying to this role (\(Role.choices)).", valueName: "role"))
        var role: String?
        @Option(name: .long, help: ArgumentHelp("Only rules gated on this service (\(GuideService.choices)).", valueName: "service"))
        var service: String?
        @Option(name: .long, help: ArgumentHelp("Only rules applying to this variant (\(NetworkingVariant.choices)).", valueName: "variant"))
        var networking: String?

        func run() throws {
            let console = Console(noColor: true)
            let set = try options.load(console: console)
            let role = try parse(self.role, Role.self, "role", console)
            let service = try parse(self.service, GuideService.self, "service", console)
            let variant = try parse(networking, NetworkingVariant.self, "networking variant", console)
            let selected = set.rules.filter { rule in
                if let file, !(rule.primaryFile == file || {
                    if case .consistency(let check) = rule.check { return check.sources.contains { $0.file == file } }
                    return false
                }()) { return false }
                if let role, rule.exceptRoles.contains(role) || (!rule.roles.isEmpty && !rule.roles.contains(role)) { return false }
                if let service, !rule.services.contains(service) { return false }
                if let variant, let own = rule.networking, own != variant { return false }
                return true
            }
            var output = ""
            for rule in selected {
                let target: String
                switch rule.check {
                case .value(let check): target = "\(check.file) " + (check.section.map { "[\($0)] " } ?? "") + check.key
                case .consistency(let check): target = "\(check.kind.rawValue) \(check.scope.rawValue): " + check.sources.map(\.key).joined(separator: ", ")
                case .placeholderScan: target = "every collected file"
                case .hostNames(let file): target = "\(file): every host's name"
                case .programErrors(let file): target = "\(file): what its program refuses to start on"
                case .confinedIncludes(let file): target = "\(file): where its includes lead"
                }
                let roles = rule.roles.isEmpty ? "all" : rule.roles.sorted().map(\.rawValue).joined(separator: ",")
                output += "\(rule.id)  \(rule.severity.rawValue)  [\(roles)]  \(target)\n    \(rule.title)\n"
            }
            // Which rules these are: an installed copy, STACKDRIFT_RULES_DIR, or the checkout of a development build.
            let origin = (try? BuiltinRules.locate()).map { " (built-in rules: \($0.description))" } ?? ""
            output += "\(selected.count) of \(set.rules.count) rules\(origin)\n"
            console.out(output)
        }

        private func parse<E: RawRepresentable & CaseIterable>(_ text: String?, _ type: E.Type, _ noun: String,
                                                               _ console: Console) throws -> E? where E.RawValue == String {
            guard let text else { return nil }
            guard let value = E(rawValue: text) else {
                console.error("unknown \(noun) '\(text)' (valid: \(E.allCases.map(\.rawValue).joined(separator: ", ")))")
                throw ExitCode(64)
            }
            return value
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show everything about one rule, with the guide's words for it.",
            discussion: "Example:\n  stackdrift rules show ml2.ovs.local_ip")

        @OptionGroup var options: RuleOptions
        @Argument(help: ArgumentHelp("The rule id.", valueName: "id")) var id: String

        func run() throws {
            let console = Console(noColor: true)
            let set = try options.loadWithEveryPack(console: console)
            guard let rule = set.rule(id: id) else {
                let close = set.rules.map(\.id).filter { $0.contains(id) || id.contains($0) }.prefix(5)
                console.error("no rule '\(id)'" + (close.isEmpty ? "" : " (did you mean \(close.joined(separator: ", "))?)"))
                throw ExitCode(64)
            }
            console.out(rule.describe(in: set))
        }
    }

    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check rule files: schema, unknown keys, and examples that do not behave as declared.",
            discussion: """
            Without a directory, checks the built-in Rules/ and its upgrade packs (Rules/upgrade/). Site \
            rules may rely on the built-in secrets, placeholders and services. Problems print as file:line \
            errors; an upgrade check without a source is one.

            Examples:
              stackdrift rules lint
              stackdrift rules lint /etc/stackdrift/rules

            Exit codes: 0 clean; 1 problems found.
            """)

        @Argument(help: ArgumentHelp("Rule directories to check (default: the built-in Rules/).", valueName: "dir"))
        var directories: [String] = []

        func run() throws {
            let console = Console(noColor: true)
            let builtin = try BuiltinRules.directory()
            let shared: RuleSet
            if directories.isEmpty || directories.allSatisfy({ URL(fileURLWithPath: $0).standardizedFileURL.path == URL(fileURLWithPath: builtin).standardizedFileURL.path }) {
                shared = RuleSet()
            } else {
                shared = (try? RuleSet.load(directories: [builtin])) ?? RuleSet()
            }
            let packs = UpgradePacks.directory(in: builtin)
            let defaults = FileManager.default.fileExists(atPath: packs) ? [builtin, packs] : [builtin]
            let problems = RuleLint.lint(directories: directories.isEmpty ? defaults : directories, shared: shared)
            for problem in problems { console.error(problem, prefixed: false) }
            if !problems.isEmpty { throw ExitCode(1) }
            console.out("rules are clean\n")
        }
    }
}
