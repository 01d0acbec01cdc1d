import DriftCore
import Foundation

/// A rule file of upgrade checks: what a cloud running `target.from` must change before `target.to`.
package struct UpgradePack: Sendable, Hashable {
    package var target: UpgradeTarget
    /// The pack's rule file.
    package var file: String

    package init(target: UpgradeTarget, file: String) {
        self.target = target
        self.file = file
    }
}

/// Finds the upgrade packs shipped in a rule directory's `upgrade/` folder.
///
/// Packs are opt-in: `RuleSet.load(directories:)` reads only the top level of a rule directory,
/// and `stackdrift audit --upgrade-to NAME` adds the pack whose `upgrade: {to: NAME}` matches.
package enum UpgradePacks {
    /// The folder of packs inside a rule directory.
    package static func directory(in rules: String) -> String {
        URL(fileURLWithPath: rules).appendingPathComponent("upgrade").path
    }

    /// Every pack in the folder, in file name order; none when the folder does not exist.
    package static func available(in directory: String) throws -> [UpgradePack] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            return []
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
            .sorted()
        return try names.compactMap { name in
            let file = URL(fileURLWithPath: directory).appendingPathComponent(name).path
            let text = try RuleSet.text(ofRuleFile: file)
            guard let root = try YAMLField.parse(text, file: file, kind: .rule), let field = try root.mapping()["upgrade"] else {
                return nil
            }
            return UpgradePack(target: try RuleSet.readUpgrade(field), file: file)
        }
    }

    /// The packs upgrading to `name` (case-insensitive) in the `upgrade/` folders of these rule
    /// directories; an unknown name is an error listing the packs there are.
    package static func packs(to name: String, inRuleDirectories directories: [String]) throws -> [UpgradePack] {
        let packs = try directories.flatMap { try available(in: directory(in: $0)) }
        let matching = packs.filter { $0.target.to == name.lowercased() }
        if matching.isEmpty {
            throw UnknownUpgradeTarget(name: name, directories: directories.map(directory(in:)), available: packs)
        }
        return matching
    }
}

extension UpgradePacks {
    /// The ids of every pack rule of these directories that `ruleSet` did not load: a waivers
    /// file may name them (it serves audits with and without `--upgrade-to`).
    package static func dormantRuleIDs(inRuleDirectories directories: [String], loaded ruleSet: RuleSet) -> Set<String> {
        var ids = Set<String>()
        let loaded = Set(ruleSet.rules.map(\.id))
        for pack in (try? directories.flatMap { try available(in: directory(in: $0)) }) ?? [] {
            var scratch = ruleSet
            scratch.rules = []
            if (try? scratch.merge(contentsOf: pack.file)) != nil { ids.formUnion(scratch.rules.map(\.id)) }
        }
        return ids.subtracting(loaded)
    }
}

extension RuleSet {
    /// The rules of these directories (their top level), plus with `upgradeTo` the packs upgrading
    /// to that release found in their `upgrade/` folders.
    package static func load(directories: [String], upgradeTo: String?) throws -> RuleSet {
        var set = try load(directories: directories)
        guard let upgradeTo else { return set }
        for pack in try UpgradePacks.packs(to: upgradeTo, inRuleDirectories: directories) {
            try set.merge(contentsOf: pack.file)
        }
        return set
    }
}

/// `--upgrade-to` named a release no pack upgrades to.
package struct UnknownUpgradeTarget: Error, Sendable, CustomStringConvertible {
    package var name: String
    /// The folders searched.
    package var directories: [String]
    package var available: [UpgradePack]

    package var description: String {
        let choices = available.isEmpty
            ? "none: no upgrade pack in \(directories.map { "'\($0)'" }.joined(separator: ", "))"
            : available.map { "\($0.target.to) (from \($0.target.from): \($0.file))" }.joined(separator: ", ")
        return "unknown upgrade target '\(name)'; available: \(choices)"
    }
}
