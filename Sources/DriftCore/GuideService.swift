/// An optional service from the guide's later chapters. Rules tagged with a
/// service apply only to hosts that run it, so a cloud without telemetry is not
/// failed for missing ceilometer settings.
public enum GuideService: String, Sendable, Codable, CaseIterable, Hashable, Comparable {
    case telemetry
    case orchestration
    case database
    case dashboard
    case blockStorage = "block-storage"
    case objectStorage = "object-storage"

    public static func < (lhs: GuideService, rhs: GuideService) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    public static var choices: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
