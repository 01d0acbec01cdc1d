import DriftCore

/// The finding's remedy for tools: `null`, `{"manual": instruction}`, or `{"edits": [...]}` with
/// each edit's file, line, the lines it replaces (`old`) and writes (`new`), as `stackdrift fix` applies them.
extension JSONReport {
    static func remedy(_ remedy: Remedy?) -> JSONValue {
        switch remedy {
        case nil: return .null
        case .manual(let instruction)?: return .object([("manual", .string(instruction))])
        case .edits(let edits)?:
            return .object([("edits", .array(edits.map { edit in
                .object([
                    ("action", .string(edit.action.rawValue)),
                    ("file", .string(edit.file)),
                    ("line", .int(edit.line)),
                    ("old", .array(edit.old.map { .string($0) })),
                    ("new", .array(edit.addedLines.map { .string($0) })),
                ])
            }))])
        }
    }
}
