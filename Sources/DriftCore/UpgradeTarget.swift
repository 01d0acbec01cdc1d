/// The release pair an upgrade pack checks for: what an `from` cloud must change before it runs `to`.
public struct UpgradeTarget: Sendable, Hashable, CustomStringConvertible {
    /// The release the cloud runs now, as the pack names it (`icehouse`).
    public var from: String
    /// The release it is about to run (`juno`).
    public var to: String

    public init(from: String, to: String) {
        self.from = from
        self.to = to
    }

    /// `to` as a sentence starts with it: `Juno`.
    public var toTitle: String { to.prefix(1).uppercased() + to.dropFirst() }

    public var description: String { "\(from) → \(to)" }
}
