/// Where in the installation guide a rule's expectation comes from, so an
/// auditor can read the sentence the rule encodes.
package struct GuideReference: Hashable, Sendable, Codable, CustomStringConvertible {
    package var chapter: Int?
    package var section: String
    /// Step within the section as the guide numbers it ("3", "2.b").
    package var step: String?

    package init(chapter: Int?, section: String, step: String? = nil) {
        self.chapter = chapter
        self.section = section
        self.step = step
    }

    package var description: String {
        var text = chapter.map { "chapter \($0), " } ?? ""
        text += section
        if let step { text += ", step \(step)" }
        return text
    }
}
