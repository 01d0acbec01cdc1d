import DriftAudit
import DriftCore
import DriftRules
import Testing

@Suite struct AuditPlanTests {
    /// The plan is the collection: the same files, host by host, as the audit asks for.
    @Test func thePlanIsWhatTheAuditCollects() throws {
        let inventory = try Inventory.load(path: DemoFleet.inventory)
        let ruleSet = try RuleSet.load(directories: [try BuiltinRules.directory()])
        let engine = RuleEngine(ruleSet: ruleSet, architecture: inventory.architecture)
        let plan = AuditPlan(inventory: inventory, ruleSet: ruleSet)
        for (planned, host) in zip(plan.hosts, inventory.hosts) {
            #expect(planned.files.map(\.path) == engine.filesToCollect(for: host), "\(host.name)")
            #expect(planned.ruleCount == engine.rules(for: host).count)
        }
        let controller = try #require(plan.hosts.first { $0.host.name == "controller" })
        #expect(controller.includers.map(\.path) == ["/etc/mysql/my.cnf"])
        #expect(controller.files.first { $0.path == "/etc/trove/trove.conf" }?.purpose == .marker)
        let compute = try #require(plan.hosts.first { $0.host.name == "compute1" })
        #expect(compute.files.first { $0.path == "/proc/cpuinfo" }?.purpose == .fact)
    }

    @Test func hostsNeedingTheSameLinesShareABlock() throws {
        let inventory = try Inventory.parse("""
        architecture: neutron
        defaults: {user: audit, sudo: true}
        hosts:
          - {name: c1, roles: [compute]}
          - {name: c2, roles: [compute]}
          - {name: c3, roles: [compute], user: other}
          - {name: ctl, roles: [controller]}
          - {name: n1, roles: [network], sudo: false}
        """, file: "fleet.yaml", baseDirectory: "/")
        let plan = AuditPlan(inventory: inventory, ruleSet: try RuleSet.load(directories: [try BuiltinRules.directory()]))
        let policy = SudoersPolicy(plan: plan, defaultUser: "unused")
        #expect(policy.blocks.map(\.hosts) == [["c1", "c2"], ["c3"], ["ctl"]])
        #expect(policy.withoutSudo == ["n1"])
        let text = policy.render(header: ["test"])
        #expect(text.contains("\nother ALL=(root) NOPASSWD: /usr/bin/cat -- "))
        // One line per planned file, for each block.
        for (block, planned) in zip(policy.blocks, [plan.hosts[0], plan.hosts[2], plan.hosts[3]]) {
            #expect(block.files.map(\.path) == planned.files.map(\.path))
        }
        #expect(text.contains("# Never '/usr/bin/cat -- /etc/mysql/conf.d/*.cnf': in sudoers '*' matches '/' and spaces too"))
        let regex = SudoersPolicy(plan: plan, defaultUser: "unused", regexForIncludes: true).render(header: [])
        #expect(regex.contains("\naudit ALL=(root) NOPASSWD: /usr/bin/cat ^-- /etc/mysql/conf\\.d/[A-Za-z0-9_.-]+\\.cnf$, \\\n"
                               + "    /usr/bin/cat ^-- /etc/mysql/mariadb\\.conf\\.d/[A-Za-z0-9_.-]+\\.cnf$\n"))
    }
}
