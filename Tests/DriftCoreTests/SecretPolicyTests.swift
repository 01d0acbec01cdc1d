import DriftCore
import Testing

@Suite struct SecretPolicyTests {
    let policy = SecretPolicy(keyPatterns: ["*password*", "*_pass", "admin_token", "metering_secret"])

    @Test(arguments: ["rabbit_password", "admin_password", "ADMIN_PASSWORD", "os-password", "dbc_dbpass_x_pass",
                      "admin_token", "metering_secret"])
    func secretKeys(key: String) {
        #expect(policy.isSecret(key: key))
    }

    @Test(arguments: ["admin_user", "auth_host", "connection", "token_format", "passthrough"])
    func ordinaryKeys(key: String) {
        #expect(!policy.isSecret(key: key))
    }

    @Test func masksSecretValuesButNotEmptyOnes() {
        #expect(policy.display(key: "rabbit_password", value: "hunter2") == (SecretPolicy.maskText, true))
        #expect(policy.display(key: "rabbit_password", value: "") == ("", false))
        #expect(policy.display(key: "auth_host", value: "controller") == ("controller", false))
    }

    @Test func masksURLCredentialsUnderAnyKey() {
        let shown = policy.display(key: "connection", value: "mysql://nova:s3cr@t@controller/nova")
        #expect(shown.text == "mysql://nova:\(SecretPolicy.maskText)@controller/nova")
        #expect(shown.masked)
        #expect(policy.display(key: "connection", value: "sqlite:////var/lib/nova/nova.sqlite").masked == false)
    }

    @Test func masksAssignmentLinesForDiagnostics() {
        #expect(!policy.maskLine("admin_password hunter2").contains("hunter2"))
        #expect(!policy.maskLine("  rabbit_password: hunter2").contains("hunter2"))
        #expect(policy.maskLine("my_ip = 10.0.0.31") == "my_ip = 10.0.0.31")
    }

    @Test(arguments: [("*pass*", "rabbit_password", true), ("a?c", "abc", true), ("a?c", "ac", false),
                      ("*", "", true), ("admin_*", "admin_user", true), ("*_pass", "password", false)])
    func globs(pattern: String, text: String, matches: Bool) {
        #expect(Glob.matches(pattern: pattern, text) == matches)
    }
}

@Suite struct DigestTests {
    @Test func sha256MatchesTheStandardVectors() {
        #expect(Digest.hex(Digest.sha256(Array("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.hex(Digest.sha256([]))
                == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func hexOfADigestsHeadIsTheHeadOfItsHex() {
        #expect(Digest.sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.sha256Hex(Array("abc".utf8), length: 6) == "ba7816bf8f01")
        #expect(Digest.sha256Hex([], length: 1) == "e3")
        #expect(Digest.hex([0x00, 0x09, 0x0a, 0xf0, 0xff]) == "00090af0ff")
    }

    @Test func hmacSHA1MatchesRFC2202TestCase2() {
        let mac = Digest.hmacSHA1(key: Array("Jefe".utf8), Array("what do ya want for nothing?".utf8))
        #expect(Digest.hex(mac) == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
    }

    @Test func hmacMatchesRFC4231TestCase2() {
        let mac = Digest.hmacSHA256(key: Array("Jefe".utf8), Array("what do ya want for nothing?".utf8))
        #expect(Digest.hex(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func randomBytesDiffer() {
        #expect(Digest.randomBytes(32) != Digest.randomBytes(32))
    }
}
