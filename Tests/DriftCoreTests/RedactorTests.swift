import DriftCore
import Testing

@Suite struct RedactorTests {
    let redactor = Redactor(policy: SecretPolicy(keyPatterns: ["*password*", "metering_secret"]),
                            key: Array("a test key of thirty-two bytes!!".utf8))

    let text = """
    [DEFAULT]
    rabbit_password = hunter2
    my_ip = 10.0.0.31

    [database]
    connection = mysql://nova:NOVA_DBPASS@controller/nova

    [publisher]
    metering_secret = "quoted token"
    admin_password = hunter2

    """

    func redactUnparsed(_ text: String) -> String {
        String(decoding: redactor.redact(unparsed: SourceText(text)), as: UTF8.self)
    }

    @Test func replacesSecretsAndURLCredentialsWithoutTouchingTheRest() {
        let redacted = redactUnparsed(text)
        #expect(!redacted.contains("hunter2"))
        #expect(!redacted.contains("NOVA_DBPASS"))
        #expect(!redacted.contains("quoted token"))
        #expect(redacted.contains("my_ip = 10.0.0.31\n"))
        #expect(redacted.contains("connection = mysql://nova:<redacted:"))
        #expect(redacted.contains("@controller/nova"))
        #expect(redacted.split(separator: "\n", omittingEmptySubsequences: false).count
                == text.split(separator: "\n", omittingEmptySubsequences: false).count)
    }

    @Test func anUnparseableFileIsSplitAtBareCarriageReturnsToo() {
        // A file that fails to parse may use old Mac line endings; its password is still found.
        let redacted = redactUnparsed("[DEFAULT\rdebug = True\radmin_password = hunter2\r")
        #expect(!redacted.contains("hunter2"), "\(redacted)")
        #expect(redacted.contains("admin_password = <redacted:"))
    }

    @Test func equalSecretsGetEqualTagsAndDifferentSecretsDifferentTags() {
        let tagged = redactUnparsed(text)
        let tag = redactor.tag("hunter2")
        #expect(tagged.components(separatedBy: tag).count == 3, "both hunter2 lines carry the same tag")
        #expect(redactor.tag("hunter3") != tag)
        let otherKey = Redactor(policy: redactor.policy, key: Array("another key, also thirty-two b!!".utf8))
        #expect(otherKey.tag("hunter2") != tag, "tags depend on the key")
    }

    @Test func usesTheParsedDocumentForContinuationLines() {
        let text = "[DEFAULT]\nadmin_password = first\n    second\nnext = 1\n"
        let bytes = Array(text.utf8)
        // The value runs from "first" (byte 27) to the end of "second" (byte 43).
        let entry = Entry(section: "DEFAULT", key: "admin_password", value: .string("first\nsecond"),
                          span: SourceSpan(file: "f", startLine: 2, endLine: 3), byteRange: 10..<44,
                          valueRange: 27..<43, valueColumn: 18)
        let document = ConfigDocument(path: "f", format: .osloINI, source: SourceText(bytes: bytes), entries: [entry],
                                      segments: [])
        let redacted = String(decoding: redactor.redact(document), as: UTF8.self)
        #expect(!redacted.contains("first") && !redacted.contains("second"))
        #expect(redacted.hasPrefix("[DEFAULT]\nadmin_password = <redacted:"))
        #expect(redacted.contains("\n    <redacted:"), "continuation lines keep their indentation")
        #expect(redacted.hasSuffix("next = 1\n"))
        #expect(redacted.split(separator: "\n").count == 4)
    }
}
