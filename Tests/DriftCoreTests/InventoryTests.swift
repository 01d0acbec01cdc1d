import DriftCore
import DriftTestSupport
import Testing

private func parse(_ yaml: String) throws -> Inventory {
    try Inventory.parse(yaml, file: "inventory.yaml", baseDirectory: "/srv/audit")
}

/// Asserts the inventory is rejected at `line` with a message containing `fragment`.
private func expectError(_ yaml: String, line: Int, _ fragment: String,
                         sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    expectDiagnostic(.inventory, file: "inventory.yaml", line: line, containing: fragment,
                     sourceLocation: sourceLocation) { _ = try parse(yaml) }
}

@Suite struct InventoryTests {
    static let contractExample = """
    architecture: neutron            # neutron | nova-network
    vars: {controller: controller, controller_ip: 10.0.0.11}   # cloud-wide
    defaults: {transport: ssh, user: auditor, port: 22, sudo: false}
    hosts:
      - name: compute1
        address: 10.0.0.31           # ssh; defaults to name
        roles: [compute]
        services: [telemetry]
        vars: {management_ip: 10.0.0.31, tunnel_ip: 10.0.1.31}
      - name: lab
        transport: local
        root: trees/lab              # relative to the inventory file
        roles: [controller]
        vars: {management_ip: 10.0.0.11}
    """

    @Test func readsTheContractExample() throws {
        let inventory = try parse(Self.contractExample)
        #expect(inventory.architecture == .neutron)
        #expect(inventory.hosts.map(\.name) == ["compute1", "lab"])

        let compute = try #require(inventory.host(named: "compute1"))
        #expect(compute.roles == [.compute])
        #expect(compute.services == [.telemetry])
        #expect(compute.connection.transport == .ssh)
        #expect(compute.connection.address == "10.0.0.31")
        #expect(compute.connection.user == "auditor")
        #expect(compute.connection.port == 22)
        #expect(compute.connection.sudo == false)
        // Host variables overlay cloud-wide ones.
        #expect(compute.vars == ["controller": "controller", "controller_ip": "10.0.0.11",
                                 "management_ip": "10.0.0.31", "tunnel_ip": "10.0.1.31"])
        #expect(compute.definedAt?.line == 5)

        let lab = try #require(inventory.host(named: "lab"))
        #expect(lab.connection.transport == .local)
        #expect(lab.connection.root == "/srv/audit/trees/lab")
        #expect(lab.services == nil, "omitted services are detected from files")
    }

    @Test func nameResolutionIsTheGuidesHostsFileUnlessTheInventorySaysDNS() throws {
        #expect(try parse(Self.contractExample).nameResolution == .hosts)
        #expect(try parse("name_resolution: dns\n" + Self.contractExample).nameResolution == .dns)
        expectError("name_resolution: ldap\n" + Self.contractExample, line: 1, "unknown name resolution 'ldap' (valid: hosts, dns)")
    }

    @Test func explicitEmptyServicesMeansNone() throws {
        let inventory = try parse("""
        architecture: nova-network
        hosts:
          - {name: c1, roles: [compute], services: []}
        """)
        #expect(inventory.architecture == .novaNetwork)
        #expect(inventory.hosts[0].services == [])
    }

    @Test func expandsTildeInPaths() throws {
        let inventory = try parse("""
        architecture: neutron
        defaults: {identity: ~/.ssh/id_ed25519}
        hosts:
          - {name: c1, roles: [compute], known_hosts: keys/known_hosts}
        """)
        #expect(inventory.hosts[0].connection.identity?.hasSuffix("/.ssh/id_ed25519") == true)
        #expect(inventory.hosts[0].connection.identity?.hasPrefix("~") == false)
        #expect(inventory.hosts[0].connection.knownHosts == "/srv/audit/keys/known_hosts")
    }

    @Test func rejectsAnUnknownRoleListingTheValidOnes() {
        expectError("""
        architecture: neutron
        hosts:
          - name: c1
            roles: [comptue]
        """, line: 4, "unknown role 'comptue' (valid: controller, network, compute, block-storage, object-proxy, object-storage)")
    }

    @Test func rejectsAMissingArchitecture() {
        expectError("hosts:\n  - {name: c1, roles: [compute]}\n", line: 1, "missing required field 'architecture'")
    }

    @Test func rejectsAnUnknownArchitecture() {
        expectError("architecture: flat\nhosts:\n  - {name: c1, roles: [compute]}\n", line: 1,
                    "unknown architecture 'flat' (valid: neutron, nova-network)")
    }

    @Test func rejectsAnUnknownFieldAtItsLine() {
        expectError("""
        architecture: neutron
        hosts:
          - name: c1
            roles: [compute]
            rolse: [network]
        """, line: 5, "hosts[0].rolse: unknown field 'rolse'")
    }

    @Test func rejectsDuplicateHostNames() {
        expectError("""
        architecture: neutron
        hosts:
          - {name: c1, roles: [compute]}
          - {name: c1, roles: [network]}
        """, line: 4, "duplicate host name 'c1' (first defined at inventory.yaml:3")
    }

    @Test func rejectsAHostWithoutRoles() {
        expectError("architecture: neutron\nhosts:\n  - {name: c1, roles: []}\n", line: 3, "at least one role")
        expectError("architecture: neutron\nhosts:\n  - {name: c1}\n", line: 3, "missing required field 'roles'")
    }

    @Test func rejectsALocalHostWithoutRoot() {
        expectError("architecture: neutron\nhosts:\n  - {name: c1, transport: local, roles: [compute]}\n",
                    line: 3, "needs 'root'")
    }

    @Test func rejectsRootOnAnSSHHost() {
        expectError("architecture: neutron\nhosts:\n  - {name: c1, roles: [compute], root: /tmp}\n",
                    line: 3, "'root' is only used with transport: local")
    }

    @Test func rejectsBadPortsAndTimeouts() {
        expectError("architecture: neutron\nhosts:\n  - {name: c1, roles: [compute], port: 70000}\n",
                    line: 3, "'70000' is out of range")
        expectError("architecture: neutron\nhosts:\n  - {name: c1, roles: [compute], port: ssh}\n",
                    line: 3, "expected a whole number, found 'ssh'")
        expectError("architecture: neutron\ndefaults: {timeout: -1}\nhosts:\n  - {name: c1, roles: [compute]}\n",
                    line: 2, "timeout must be a positive number")
    }

    @Test func rejectsUnsafeHostNamesAndVariableNames() {
        expectError("architecture: neutron\nhosts:\n  - {name: 'a;b', roles: [compute]}\n",
                    line: 3, "may contain only letters")
        expectError("architecture: neutron\nhosts:\n  - {name: c1, roles: [compute], vars: {management-ip: 1}}\n",
                    line: 3, "variable name 'management-ip'")
    }

    @Test func readsSSHCredentialSettings() throws {
        let inventory = try parse("""
        architecture: neutron
        defaults: {transport: ssh, passphrase_file: ~/.config/stackdrift/passphrase}
        hosts:
          - {name: c1, roles: [compute], password_env: C1_SSH_PASSWORD, user: auditor}
          - {name: c2, roles: [compute], transport: openssh}
        """)
        let c1 = inventory.hosts[0].connection
        #expect(c1.passphraseFile?.hasSuffix("/.config/stackdrift/passphrase") == true)
        #expect(c1.passphraseFile?.hasPrefix("~") == false)
        #expect(c1.passwordEnv == "C1_SSH_PASSWORD")
        #expect(c1.user == "auditor")
        #expect(inventory.hosts[1].connection.passphraseFile == nil, "inherited, and unused by ssh in batch mode")
    }

    @Test func readsLegacyAlgorithmsPerHostOrInDefaults() throws {
        let inventory = try parse("""
        architecture: neutron
        defaults: {transport: ssh, legacy: true}
        hosts:
          - {name: old1, roles: [compute]}
          - {name: old2, roles: [compute], legacy: {host_key: [ssh-rsa], kex: [diffie-hellman-group14-sha1, diffie-hellman-group14-sha1]}}
          - {name: new1, roles: [compute], legacy: false}
        """)
        #expect(inventory.hosts[0].connection.legacyAlgorithms == .debian7)
        #expect(inventory.hosts[1].connection.legacyAlgorithms
                == LegacySSHAlgorithms(keyExchange: ["diffie-hellman-group14-sha1"], hostKey: ["ssh-rsa"]))
        #expect(inventory.hosts[2].connection.legacyAlgorithms.isEmpty)
        #expect(LegacySSHAlgorithms.debian7.summary == ["kex diffie-hellman-group14-sha1", "host key ssh-rsa", "user key ssh-rsa"])
    }

    @Test func rejectsLegacyAlgorithmsItCannotAllow() {
        expectError("architecture: neutron\nhosts:\n  - {name: c1, roles: [compute], legacy: {kex: [curve25519-sha256]}}\n",
                    line: 3, "'curve25519-sha256' is not a legacy kex algorithm stackdrift can allow (valid: "
                        + "diffie-hellman-group14-sha1, diffie-hellman-group-exchange-sha1, diffie-hellman-group1-sha1)")
        expectError("architecture: neutron\nhosts:\n  - {name: c1, roles: [compute], legacy: {ciphers: [x]}}\n",
                    line: 3, "unknown field 'ciphers' (valid: kex, host_key, pubkey)")
        expectError("architecture: neutron\nhosts:\n  - {name: c1, roles: [compute], legacy: sometimes}\n",
                    line: 3, "expected true, false or a mapping of the SHA-1 algorithms to allow")
    }

    @Test func rejectsBadSSHCredentialSettings() {
        expectError("architecture: neutron\nhosts:\n  - {name: c1, roles: [compute], password_env: 'MY-PASS'}\n",
                    line: 3, "password_env names an environment variable (letters, digits and '_'), found 'MY-PASS'")
        expectError("""
        architecture: neutron
        hosts:
          - name: c1
            roles: [compute]
            transport: openssh
            password_env: SSH_PASSWORD
        """, line: 6, "'password_env' cannot be used with transport: openssh")
        expectError("architecture: neutron\nhosts:\n  - {name: c1, roles: [compute], transport: openssh,\n     passphrase_file: p}\n",
                    line: 4, "'passphrase_file' cannot be used with transport: openssh")
        expectError("architecture: neutron\nhosts:\n  - {name: c1, roles: [compute], user: '-oProxyCommand=x'}\n",
                    line: 3, "user '-oProxyCommand=x' must be a login name")
        expectError("architecture: neutron\nhosts:\n  - {name: c1, roles: [compute], address: '-oProxyCommand=x'}\n",
                    line: 3, "address '-oProxyCommand=x' must be a host name")
    }

    @Test func rejectsAnUnknownService() {
        expectError("architecture: neutron\nhosts:\n  - {name: c1, roles: [compute], services: [metering]}\n",
                    line: 3, "unknown service 'metering' (valid: telemetry")
    }

    @Test func rejectsNestedVariables() {
        expectError("architecture: neutron\nvars: {controller: {ip: 1}}\nhosts:\n  - {name: c1, roles: [compute]}\n",
                    line: 2, "vars.controller: expected a text value, found a mapping")
    }

    @Test func reportsYAMLSyntaxErrorsWithTheirPosition() {
        expectError("architecture: neutron\nhosts:\n  - name: c1\n   roles: [compute]\n", line: 4, "invalid YAML")
    }

    @Test func rejectsAnEmptyHostList() {
        expectError("architecture: neutron\nhosts: []\n", line: 2, "lists no hosts")
    }

    @Test func reportsAnUnreadableFile() {
        #expect(throws: DiagnosticList.self) { try Inventory.load(path: "/nonexistent/inventory.yaml") }
    }

    /// Regression (issue 18): the loader stopped at the first mistake, so an inventory with
    /// three typos took three runs to fix.
    @Test func reportsEveryMistakeInOneRun() throws {
        let yaml = """
        architecture: neutron
        defaults: {port: 0, user: auditor}
        hosts:
          - {name: c1, roles: [comptue]}
          - {name: c2, roles: [compute], services: [metering], timeout: -3}
          - {name: c1, roles: [network]}
          - {name: c3, roles: [compute], rolse: [network]}
        """
        do {
            _ = try parse(yaml)
            Issue.record("the inventory was accepted")
        } catch let list as DiagnosticList {
            let found = list.diagnostics.map { "\($0.location.line): \($0.message)" }
            #expect(found == [
                "2: defaults.port: '0' is out of range (1 to 65535)",
                "4: hosts[0].roles[0]: unknown role 'comptue' (valid: \(Role.choices))",
                "5: hosts[1].services[0]: unknown service 'metering' (valid: \(GuideService.choices))",
                "5: hosts[1].timeout: timeout must be a positive number of seconds, found '-3.0'",
                "7: hosts[3].rolse: unknown field 'rolse' (valid: \(Inventory.hostFields.joined(separator: ", ")))",
            ], "\(list)")
            #expect(list.description.hasSuffix("\n5 errors"))
        }
    }

    @Test func aHostWithAMistakeDoesNotAlsoCountAsADuplicate() {
        // c1's first entry is wrong, so the second is the only valid c1: no duplicate error for it.
        expectError("architecture: neutron\nhosts:\n  - {name: c1, roles: [x]}\n  - {name: c1, roles: [compute]}\n",
                    line: 3, "unknown role 'x'")
    }

    /// Regression (issue 18): `address` was refused in `defaults`, although a fleet behind one
    /// forwarding address (ports differing per host) needs it there.
    @Test func defaultsAcceptEveryConnectionFieldAHostDoes() throws {
        let inventory = try parse("""
        architecture: neutron
        defaults: {address: 127.0.0.1, sudo: true, cat_path: /bin/cat, transport: ssh, root: trees/ignored}
        hosts:
          - {name: c1, roles: [compute], port: 2201}
          - {name: c2, roles: [compute], port: 2202, address: 10.0.0.32, cat_path: /usr/bin/cat}
          - {name: lab, roles: [compute], transport: local}
        """)
        #expect(inventory.hosts[0].connection.address == "127.0.0.1")
        #expect(inventory.hosts[0].connection.port == 2201)
        #expect(inventory.hosts[0].connection.effectiveCatPath == "/bin/cat")
        #expect(inventory.hosts[0].connection.root == nil, "an inherited root means nothing to an ssh host")
        #expect(inventory.hosts[1].connection.address == "10.0.0.32")
        #expect(inventory.hosts[1].connection.effectiveCatPath == "/usr/bin/cat")
        #expect(inventory.hosts[2].connection.root == "/srv/audit/trees/ignored")
        for field in Inventory.connectionFieldNames {
            #expect(Inventory.hostFields.contains(field), "'\(field)' is a host field too")
        }
    }

    @Test func theCatPathIsAnAbsolutePathWithoutSpaces() throws {
        #expect(try parse("architecture: neutron\nhosts:\n  - {name: c1, roles: [compute]}\n")
            .hosts[0].connection.effectiveCatPath == ConnectionSettings.defaultCatPath)
        expectError("architecture: neutron\nhosts:\n  - {name: c1, roles: [compute], cat_path: cat}\n",
                    line: 3, "cat_path 'cat' must be an absolute path without spaces, such as /bin/cat")
        expectError("architecture: neutron\ndefaults: {cat_path: '/bin/cat /etc/shadow'}\nhosts:\n  - {name: c1, roles: [compute]}\n",
                    line: 2, "must be an absolute path without spaces")
        expectError("architecture: neutron\ndefaults: {address: '-oProxyCommand=x'}\nhosts:\n  - {name: c1, roles: [compute]}\n",
                    line: 2, "address '-oProxyCommand=x' must be a host name")
    }
}
