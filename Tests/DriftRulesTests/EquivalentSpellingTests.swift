import DriftCore
import DriftParsing
import DriftRules
import Testing

/// The guide's built-in rules on files written the way operators write them: each spelling
/// the program reads as the guide's value passes (and says why), its twin fails.
@Suite struct EquivalentSpellingTests {
    static let rules = BuiltinRuleExampleTests.ruleSet

    static let compute = InventoryHost(name: "compute1", roles: [.compute], services: [],
                                       vars: ["controller": "controller", "controller_ip": "10.0.0.11",
                                              "management_ip": "10.0.0.31", "tunnel_ip": "10.0.1.31"])
    static let controller = InventoryHost(name: "controller", roles: [.controller], services: [.blockStorage],
                                          vars: ["controller": "controller", "controller_ip": "10.0.0.11",
                                                 "management_ip": "10.0.0.11"])

    /// One built-in rule on one host holding these files (an /etc/hosts among them, or none).
    static func finding(_ id: String, on host: InventoryHost = compute, _ files: [String: String],
                        facts: [HostFact: String] = [:]) throws -> Finding {
        let rule = try #require(rules.rule(id: id))
        var states: [String: FileState] = [:]
        for (path, text) in files {
            let format = rules.format(forFile: path) ?? .osloINI
            states[path] = .parsed(try DocumentParser.parse(text: text, path: path, format: format, secrets: rules.secrets))
        }
        let engine = RuleEngine(ruleSet: rules, architecture: .neutron)
        let evidence = HostEvidence(host: host, files: states, facts: facts)
        return engine.evaluate(rule, try #require(rule.valueCheck), on: evidence, services: host.services ?? [])
    }

    static let hosts = "127.0.0.1 localhost\n10.0.0.11 controller\n10.0.0.31 compute1\n"

    // MARK: A name and its address

    @Test func anAddressEqualsTheNameTheNodesHostsFileGivesIt() throws {
        let pass = try Self.finding("nova.keystone_authtoken.auth_host", [
            "/etc/nova/nova.conf": "[keystone_authtoken]\nauth_host = 10.0.0.11\n", "/etc/hosts": Self.hosts])
        #expect(pass.status == .pass)
        #expect(pass.message == "'auth_host' is '10.0.0.11', which is controller on this node (/etc/hosts line 2)")
        // Twin: this node's /etc/hosts maps controller elsewhere, so 10.0.0.11 is another host.
        let fail = try Self.finding("nova.keystone_authtoken.auth_host", [
            "/etc/nova/nova.conf": "[keystone_authtoken]\nauth_host = 10.0.0.11\n", "/etc/hosts": "10.0.0.12 controller\n"])
        #expect(fail.status == .fail)
    }

    @Test func withoutAHostsLineTheInventorySays() throws {
        let pass = try Self.finding("nova.default.glance_host", ["/etc/nova/nova.conf": "[DEFAULT]\nglance_host = 10.0.0.11\n"])
        #expect(pass.status == .pass)
        #expect(pass.message.contains("per the inventory's controller_ip"))
        let fail = try Self.finding("nova.default.glance_host", ["/etc/nova/nova.conf": "[DEFAULT]\nglance_host = 10.0.0.12\n"])
        #expect(fail.status == .fail)
    }

    @Test func theFirstHostsLineNamingANameWins() throws {
        let files = ["/etc/nova/nova.conf": "[DEFAULT]\nglance_host = 10.0.0.11\n",
                     "/etc/hosts": "10.0.0.99 controller\n10.0.0.11 controller\n"]
        #expect(try Self.finding("nova.default.glance_host", files).status == .fail)
    }

    @Test func anotherNameOfTheSameAddressNamesTheSameHost() throws {
        let pass = try Self.finding("ntp.server.controller", [
            "/etc/ntp.conf": "server ctl.example.org iburst\n", "/etc/hosts": "10.0.0.11 ctl.example.org controller\n"])
        #expect(pass.status == .pass, "\(pass.message)")
        let fail = try Self.finding("ntp.server.controller", [
            "/etc/ntp.conf": "server ntp.example.org iburst\n", "/etc/hosts": "10.0.0.11 controller\n"])
        #expect(fail.status == .fail)
    }

    @Test func loopbackIsTheControllerOnlyOnTheControllerAndOnlyWhereItConnects() throws {
        // rabbit_host = localhost reaches the broker on the controller itself...
        let own = try Self.finding("nova.default.rabbit_host", on: Self.controller, [
            "/etc/nova/nova.conf": "[DEFAULT]\nrabbit_host = localhost\n", "/etc/hosts": Self.hosts])
        #expect(own.status == .pass)
        #expect(own.message.contains("is this node, which is controller"))
        // ...but on a compute node it is the compute node.
        let other = try Self.finding("nova.default.rabbit_host", [
            "/etc/nova/nova.conf": "[DEFAULT]\nrabbit_host = localhost\n", "/etc/hosts": Self.hosts])
        #expect(other.status == .fail)
        // An address the node listens on is no connection: bind-address = 127.0.0.1 serves nobody else.
        let listen = try Self.finding("mysql.mysqld.bind-address", on: Self.controller, [
            "/etc/mysql/my.cnf": "[mysqld]\nbind-address = 127.0.0.1\n", "/etc/hosts": Self.hosts])
        #expect(listen.status == .fail)
        let named = try Self.finding("mysql.mysqld.bind-address", on: Self.controller, [
            "/etc/mysql/my.cnf": "[mysqld]\nbind-address = controller\n", "/etc/hosts": Self.hosts])
        #expect(named.status == .pass)
    }

    // MARK: URLs

    @Test func urlsCompareComponentByComponent() throws {
        func url(_ value: String) throws -> FindingStatus {
            try Self.finding("nova.default.neutron_url", ["/etc/nova/nova.conf": "[DEFAULT]\nneutron_url = \(value)\n",
                                                          "/etc/hosts": Self.hosts]).status
        }
        #expect(try url("http://controller:9696") == .pass)
        #expect(try url("HTTP://Controller:9696") == .pass)
        #expect(try url("http://10.0.0.11:9696") == .pass)
        // Twins: another port, another scheme, a path neutronclient would join to.
        #expect(try url("http://controller:9697") == .fail)
        #expect(try url("https://controller:9696") == .fail)
        #expect(try url("http://controller:9696/") == .fail)
    }

    @Test func theSchemesDefaultPortAndKeystonesTrailingSlashDoNotCount() throws {
        let slash = try Self.finding("nova.default.neutron_admin_auth_url", [
            "/etc/nova/nova.conf": "[DEFAULT]\nneutron_admin_auth_url = http://10.0.0.11:35357/v2.0/\n", "/etc/hosts": Self.hosts])
        #expect(slash.status == .pass)
        #expect(slash.message.contains("the same endpoint: '10.0.0.11', which is controller on this node"))
        let path = try Self.finding("nova.default.neutron_admin_auth_url", [
            "/etc/nova/nova.conf": "[DEFAULT]\nneutron_admin_auth_url = http://controller:35357/v3\n"])
        #expect(path.status == .fail)
        // Port 80 is http's: the console URL names the same endpoint without it.
        let rules = try RuleSet.load(directories: [try BuiltinRules.directory()])
        let definition = try #require(rules.options.definition(file: "/etc/nova/nova.conf", format: .osloINI,
                                                                section: "DEFAULT", key: "novncproxy_base_url"))
        #expect(definition.valueType == .announcedURL)
        #expect(ValueType.url.normalize("http://controller/x") == ValueType.url.normalize("http://CONTROLLER:80/x"))
        #expect(ValueType.url.normalize("http://controller/x") != ValueType.url.normalize("http://controller:8080/x"))
    }

    // MARK: Booleans, lists, case

    @Test(arguments: ["True", "TRUE", "true", "yes", "On", "1"])
    func osloBooleansInAnyCaseAndWord(_ spelling: String) throws {
        #expect(try Self.finding("ml2.ovs.enable_tunneling", [
            "/etc/neutron/plugins/ml2/ml2_conf.ini": "[ovs]\nenable_tunneling = \(spelling)\n"]).status == .pass)
    }

    @Test func aFalseBooleanAndAnInvalidOneFail() throws {
        for spelling in ["False", "off", "0", "yess"] {
            #expect(try Self.finding("ml2.ovs.enable_tunneling", [
                "/etc/neutron/plugins/ml2/ml2_conf.ini": "[ovs]\nenable_tunneling = \(spelling)\n"]).status == .fail)
        }
    }

    @Test func mysqlNamesCompareWithoutCase() throws {
        let controller = Self.controller
        #expect(try Self.finding("mysql.mysqld.character-set-server", on: controller,
                                 ["/etc/mysql/my.cnf": "[mysqld]\ncharacter-set-server = UTF8\n"]).status == .pass)
        #expect(try Self.finding("mysql.mysqld.character-set-server", on: controller,
                                 ["/etc/mysql/my.cnf": "[mysqld]\ncharacter-set-server = latin1\n"]).status == .fail)
        // Left out, MySQL 5.5 uses InnoDB: the guide's value.
        let engine = try Self.finding("mysql.mysqld.default-storage-engine", on: controller,
                                      ["/etc/mysql/my.cnf": "[mysqld]\nbind-address = 10.0.0.11\n"])
        #expect(engine.status == .pass && engine.origin?.kind == .builtinDefault)
        #expect(engine.message.contains("MySQL 5.5 reads its default 'InnoDB'"))
    }

    @Test func setsIgnoreOrderAndAliasesNameTheirValue() throws {
        #expect(try Self.finding("swift-proxy.keystoneauth.operator_roles", on: InventoryHost(name: "proxy1", roles: [.objectProxy]),
                                 ["/etc/swift/proxy-server.conf": "[filter:keystoneauth]\noperator_roles = admin, swiftoperator, Member\n"])
            .status == .pass)
        #expect(try Self.finding("nova.default.notification_driver.rpc", on: InventoryHost(name: "c", roles: [.compute], services: [.telemetry]), [
            "/etc/nova/nova.conf": "[DEFAULT]\nnotification_driver = messaging\nnotification_driver = ceilometer.compute.nova_notifier\n"])
            .status == .pass)
        #expect(try Self.finding("nova.default.notification_driver.rpc", on: InventoryHost(name: "c", roles: [.compute], services: [.telemetry]), [
            "/etc/nova/nova.conf": "[DEFAULT]\nnotification_driver = log\n"]).status == .fail)
    }

    @Test func keystoneclientReadsDelayAuthDecisionOnlyInLowerCase() throws {
        let proxy = InventoryHost(name: "proxy1", roles: [.objectProxy])
        #expect(try Self.finding("swift-proxy.authtoken.delay_auth_decision", on: proxy,
                                 ["/etc/swift/proxy-server.conf": "[filter:authtoken]\ndelay_auth_decision = y\n"]).status == .pass)
        #expect(try Self.finding("swift-proxy.authtoken.delay_auth_decision", on: proxy,
                                 ["/etc/swift/proxy-server.conf": "[filter:authtoken]\ndelay_auth_decision = True\n"]).status == .fail)
    }

    // MARK: Defaults in the built-in rules

    @Test func keysAtTheirIcehouseDefaultPassAndOthersSayTheDefault() throws {
        let port = try Self.finding("nova.keystone_authtoken.auth_port", ["/etc/nova/nova.conf": "[keystone_authtoken]\n"])
        #expect(port.status == .pass && port.origin?.kind == .builtinDefault)
        let l3 = try Self.finding("l3_agent.default.use_namespaces", on: InventoryHost(name: "network", roles: [.network]),
                                  ["/etc/neutron/l3_agent.ini": "[DEFAULT]\n"])
        #expect(l3.status == .pass)
        // cinder's noauth and rabbit_host localhost are drift, and the finding says so.
        let strategy = try Self.finding("cinder.default.auth_strategy", on: Self.controller, ["/etc/cinder/cinder.conf": "[DEFAULT]\n"])
        #expect(strategy.status == .fail)
        #expect(strategy.message.contains("so Icehouse reads its default 'noauth' (openstack/cinder@2014.1:cinder/common/config.py:184)"))
        let broker = try Self.finding("cinder.default.rabbit_host", on: Self.controller,
                                      ["/etc/cinder/cinder.conf": "[DEFAULT]\n", "/etc/hosts": Self.hosts])
        // localhost on the controller is the broker's own host: Icehouse's default reaches it there.
        #expect(broker.status == .pass)
        let remote = try Self.finding("cinder.default.rabbit_host", on: InventoryHost(name: "block1", roles: [.blockStorage], services: [.blockStorage],
                                                                                      vars: ["controller": "controller", "management_ip": "10.0.0.41"]),
                                      ["/etc/cinder/cinder.conf": "[DEFAULT]\n", "/etc/hosts": "10.0.0.11 controller\n10.0.0.41 block1\n"])
        #expect(remote.status == .fail)
        #expect(remote.message.contains("reads its default 'localhost'"))
    }

    @Test func glanceHostsDefaultIsTheNodesOwnAddress() throws {
        // $my_ip: on a compute node that is not the controller, the node itself, which is drift.
        let compute = try Self.finding("nova.default.glance_host", [
            "/etc/nova/nova.conf": "[DEFAULT]\nmy_ip = 10.0.0.31\n", "/etc/hosts": Self.hosts])
        #expect(compute.status == .fail)
        #expect(compute.message.contains("reads its default '10.0.0.31'"))
        let unknown = try Self.finding("nova.default.glance_host", ["/etc/nova/nova.conf": "[DEFAULT]\n"])
        #expect(unknown.status == .fail && unknown.message.contains("'$my_ip'"))
    }

    @Test func ceilometerReadsItsCredentialsUnderTheirOldNames() throws {
        let host = InventoryHost(name: "controller", roles: [.controller], services: [.telemetry], vars: ["controller": "controller"])
        let finding = try Self.finding("ceilometer.service_credentials.os_tenant_name", on: host,
                                       ["/etc/ceilometer/ceilometer.conf": "[DEFAULT]\nos_tenant_name = service\n"])
        #expect(finding.status == .pass && finding.origin?.kind == .deprecatedName)
        let unset = try Self.finding("ceilometer.service_credentials.os_tenant_name", on: host,
                                     ["/etc/ceilometer/ceilometer.conf": "[DEFAULT]\n"])
        #expect(unset.status == .fail && unset.message.contains("reads its default 'admin'"))
    }
}
