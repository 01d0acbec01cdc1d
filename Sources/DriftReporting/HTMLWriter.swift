/// Writes HTML by hand, escaping every value for where it goes.
///
/// Markup can only be given as a `StaticString` (a literal in this module's source), so a
/// value that came from a host, a rule or a waiver has no way in but `text` and attribute
/// values, both escaped: `&`, `<`, `>`, `"` and `'` become entities, and control and
/// bidirectional characters become visible (`VisibleText`). Values never go into a
/// `<script>`, a `<style>`, a URL or an event handler.
struct HTMLWriter {
    private(set) var output = ""

    /// An attribute; a `nil` value leaves the attribute out, `""` writes a bare boolean attribute.
    typealias Attribute = (name: StaticString, value: String?)

    mutating func raw(_ markup: StaticString) {
        output += markup.description
    }

    mutating func text(_ value: String) {
        Markup.escape(value, into: &output)
    }

    mutating func open(_ tag: StaticString, _ attributes: [Attribute] = []) {
        output += "<" + tag.description
        for attribute in attributes {
            guard let value = attribute.value else { continue }
            output += " " + attribute.name.description
            if !value.isEmpty {
                output += "=\""
                Markup.escape(value, into: &output)
                output += "\""
            }
        }
        output += ">"
    }

    mutating func close(_ tag: StaticString) {
        output += "</" + tag.description + ">"
    }

    /// `<tag …>escaped text</tag>`.
    mutating func element(_ tag: StaticString, _ attributes: [Attribute] = [], _ value: String) {
        open(tag, attributes)
        text(value)
        close(tag)
    }

    /// `<tag …>`, what `body` writes, `</tag>`.
    mutating func element(_ tag: StaticString, _ attributes: [Attribute] = [], body: (inout HTMLWriter) -> Void) {
        open(tag, attributes)
        body(&self)
        close(tag)
    }

    /// What was written since the last call, removed from the writer.
    mutating func take() -> String {
        defer { output = "" }
        return output
    }

    /// One line break in the source, for a readable file; browsers ignore it between blocks.
    mutating func newline() {
        output += "\n"
    }
}
