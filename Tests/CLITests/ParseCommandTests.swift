import DriftTestSupport
import Foundation
import Testing

@Suite(.serialized) struct ParseCommandTests {
    @Test func printsEntriesWithTheirLines() throws {
        let result = try CLI.run(["parse", "Examples/demo/trees/compute2/etc/nova/nova.conf"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("oslo-ini"))
        #expect(result.stdout.contains("Examples/demo/trees/compute2/etc/nova/nova.conf:22: [DEFAULT] vncserver_proxyclient_address = '10.0.0.31'"))
        #expect(!result.stdout.contains("7d1e5c9a3b2f"), "secrets are masked")
        #expect(result.stdout.contains("rabbit_password = '<secret>'"))
    }

    @Test func jsonKeepsLVMTypes() throws {
        let scratch = try Scratch(prefix: "parse-cli")
        let file = try scratch.write("lvm.conf", "devices {\n  filter = [ \"a/sda1/\", \"r/.*/\" ]\n  md_chunk_alignment = 1\n}\nactivation {\n thin {\n  x = 0.5\n }\n}\n")
        let result = try CLI.run(["parse", "--json", file])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["format"] as? String == "lvm")
        let entries = try #require(object["entries"] as? [[String: Any]])
        #expect(entries.map { $0["section"] as? String } == ["devices", "devices", "activation/thin"])
        #expect(entries[0]["value"] as? [String] == ["a/sda1/", "r/.*/"])
        #expect(entries[1]["value"] as? Int == 1)
        #expect(entries[2]["value"] as? Double == 0.5)
        #expect(entries.map { $0["line"] as? Int } == [2, 3, 7])
    }

    @Test func mysqlEntriesNameTheIncludedFile() throws {
        let scratch = try Scratch(prefix: "parse-cli")
        try scratch.write("etc/mysql/conf.d/openstack.cnf", "[mysqld]\nbind-address = 10.0.0.11\n")
        let main = try scratch.write("etc/mysql/my.cnf", "[client]\nport = 3306\n!includedir /etc/mysql/conf.d/\n")
        let result = try CLI.run(["parse", "--json", "--root", scratch.path, main])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let entries = try #require(object["entries"] as? [[String: Any]])
        #expect(entries.map { $0["file"] as? String } == [main, "/etc/mysql/conf.d/openstack.cnf"])
        #expect(entries.last?["key"] as? String == "bind-address")
    }

    @Test func aRejectedFilePrintsACompilerStyleErrorAndExits1() throws {
        let scratch = try Scratch(prefix: "parse-cli")
        let file = try scratch.write("nova.conf", "[DEFAULT]\nmy_ip = 10.0.0.11\nadmin_password hunter2\n")
        let result = try CLI.run(["parse", file])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(file):3:"))
        #expect(result.stderr.contains("error: expected"))
        #expect(!result.stderr.contains("hunter2"), "the quoted line is masked")
    }

    @Test func formatProblemsAreUsageErrors() throws {
        let scratch = try Scratch(prefix: "parse-cli")
        let file = try scratch.write("motd", "hello\n")
        #expect(try CLI.run(["parse", file]).status == 64)
        #expect(try CLI.run(["parse", "--as", "yaml", file]).status == 64)
        #expect(try CLI.run(["parse", scratch.path + "/absent.conf"]).status == 2)
        let sysctl = try CLI.run(["parse", "--as", "sysctl", file])
        #expect(sysctl.status == 0, "sysctl skips lines it cannot read")
        #expect(sysctl.stderr.contains("warning"))
    }
}
