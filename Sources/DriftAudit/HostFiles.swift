import DriftCore
import DriftParsing
import DriftRules
import DriftStore
import DriftTransport

/// One host's collected files turned into what the engine, the report and the store
/// each need: parsed documents (includes resolved from what was collected), and per-file
/// results carrying the redacted contents.
struct HostFiles {
    var states: [String: FileState] = [:]
    var results: [FileResult] = []
    var facts: [HostFact: String] = [:]
    /// The hash of a result's content by path, where a shared parse made it already (`ParsedFiles`).
    var contentHashes: [String: String] = [:]

    init(collection: HostCollection, requested: [String], filesRead: Set<String>, factSources: Set<String>, ruleSet: RuleSet,
         redactor: Redactor, parsedFiles: ParsedFiles, digests: ContentDigests) {
        let resolver = CollectedFiles(collection: collection)
        var includedDocuments: [String: ConfigDocument] = [:]
        let requestedSet = Set(requested)

        for path in requested.sorted() {
            if collection.notCollected.contains(path) {
                states[path] = .notCollected
                if filesRead.contains(path) { results.append(FileResult(path: path, status: .notCollected, format: ruleSet.format(forFile: path))) }
                continue
            }
            let read = collection.files[path] ?? .missing
            // A service marker that is absent only says the service is not there: not worth a line.
            if !filesRead.contains(path), read == .missing { continue }
            let format = ruleSet.format(forFile: path)
            switch read {
            case .missing:
                states[path] = .missing
                results.append(FileResult(path: path, status: .missing, format: format))
            case .failed(let error):
                states[path] = .unreadable(reason: error.message)
                results.append(FileResult(path: path, status: .unreadable, format: format, reason: error.message))
            case .content(let bytes) where factSources.contains(path):
                // Facts come from files such as /proc/cpuinfo: read for the fact, neither parsed nor stored.
                for fact in HostFact.allCases where fact.source == path { facts[fact] = fact.derive(from: bytes) }
                states[path] = .present
                results.append(FileResult(path: path, status: .present, format: nil))
            case .content(let bytes):
                guard filesRead.contains(path), let format else {
                    // Collected for its presence only (a service marker): stored redacted line by line.
                    states[path] = .present
                    let content = Self.redact(bytes, document: nil, redactor: redactor)
                    results.append(FileResult(path: path, status: .present, format: format, content: content))
                    continue
                }
                let parsed = parsedFiles.parsed(path: path, format: format, bytes: bytes, digests: digests) {
                    Self.parse(bytes, path: path, format: format, ruleSet: ruleSet, includes: resolver, redactor: redactor)
                }
                contentHashes[path] = parsed.redactedHash
                switch parsed.outcome {
                case .parsed(let document):
                    states[path] = .parsed(document)
                    results.append(FileResult(path: path, status: .parsed, format: format, content: parsed.redacted))
                    for included in document.includes { includedDocuments[included.path] = included }
                case .unparseable(let diagnostic):
                    states[path] = .unparseable(diagnostic)
                    results.append(FileResult(path: path, status: .unparseable, format: format, reason: diagnostic.message,
                                              line: diagnostic.location.line, content: parsed.redacted))
                case .unreadable(let reason):
                    states[path] = .unreadable(reason: reason)
                    results.append(FileResult(path: path, status: .unparseable, format: format, reason: reason,
                                              content: parsed.redacted))
                }
            }
        }

        // Files read because another file includes them.
        for path in collection.files.keys.sorted() where !requestedSet.contains(path) {
            let format = ruleSet.format(forFile: path) ?? .mysql
            switch collection.files[path]! {
            case .missing:
                continue
            case .failed(let error):
                results.append(FileResult(path: path, status: .unreadable, format: format, reason: error.message))
            case .content(let bytes):
                let document = includedDocuments[path]
                let content = Self.redact(bytes, document: document, redactor: redactor)
                results.append(FileResult(path: path, status: document == nil ? .present : .parsed, format: format,
                                          content: content))
            }
        }
        for path in collection.notCollected.sorted() where !requestedSet.contains(path) {
            results.append(FileResult(path: path, status: .notCollected, format: ruleSet.format(forFile: path) ?? .mysql))
        }
    }

    /// A file parsed as its program reads it, and its content redacted accordingly.
    static func parse(_ bytes: [UInt8], path: String, format: ConfigFormat, ruleSet: RuleSet, includes: IncludeResolver,
                      redactor: Redactor) -> ParsedFiles.Parsed {
        do {
            let document = try DocumentParser.parse(bytes, path: path, format: format, secrets: ruleSet.secrets, includes: includes)
            return ParsedFiles.Parsed(outcome: .parsed(document), redacted: redact(bytes, document: document, redactor: redactor))
        } catch let diagnostic as Diagnostic {
            return ParsedFiles.Parsed(outcome: .unparseable(diagnostic), redacted: redact(bytes, document: nil, redactor: redactor))
        } catch {
            return ParsedFiles.Parsed(outcome: .unreadable("\(error)"), redacted: redact(bytes, document: nil, redactor: redactor))
        }
    }

    /// A present file's content for the store and the reports, redacted: exactly by its
    /// document when parsed, line by line otherwise.
    static func redact(_ bytes: [UInt8], document: ConfigDocument?, redactor: Redactor) -> [UInt8] {
        guard let document else { return redactor.redact(unparsed: ConfigText.sourceText(bytes, requiresUTF8: false)) }
        return redactor.redact(document, secretEntries: document.format.details.holdsSecrets)
    }
}

/// Resolves includes from what was collected from the host: what the collector refused to
/// read (outside the include confinement) is refused here too, so the parser reports it.
package struct CollectedFiles: IncludeResolver {
    let collection: HostCollection

    package init(collection: HostCollection) {
        self.collection = collection
    }

    package func read(_ path: String) -> IncludeRead {
        if let reason = collection.refusedIncludes[IncludeConfinement.normalized(path)] ?? collection.refusedIncludes[path] {
            return .refused(reason)
        }
        switch collection.files[path] {
        case .content(let bytes): return .content(bytes)
        case .failed(let error): return .failed(error.message)
        case .missing, nil: return .missing
        }
    }

    package func list(_ directory: String) -> DirectoryRead {
        if let reason = collection.refusedIncludes[directory] { return .refused(reason) }
        switch collection.directories[directory] {
        case .entries(let names): return .entries(names)
        case .failed(let error): return .failed(error.message)
        case .missing, nil: return .missing
        }
    }
}
