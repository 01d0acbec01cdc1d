import DriftCore
@testable import DriftFix
import Testing

@Suite struct PatchWriterTests {
    @Test func placeholder() {}
}
