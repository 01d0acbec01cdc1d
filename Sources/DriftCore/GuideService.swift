/// An optional service from the guide's later chapters. Rules tagged with a
/// service apply only to hosts that run it, so a cloud without telemetry is not
/// failed for missing ceilometer settings.
package enum GuideService: String, Sendable, Codable, CaseIterable, Hashable, Comparable {
    case telemetry
    case orchestration
    case database
    case dashboard
    case blockStorage = "block-storage"
    case objectStorage = "object-storage"

    package static func < (lhs: GuideService, rhs: GuideService) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    package static var choices: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
