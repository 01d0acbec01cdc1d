/// The release pair an upgrade pack checks for: what an `from` cloud must change before it runs `to`.
package struct UpgradeTarget: Sendable, Hashable, CustomStringConvertible {
    /// The release the cloud runs now, as the pack names it (`icehouse`).
    package var from: String
    /// The release it is about to run (`juno`).
    package var to: String

    package init(from: String, to: String) {
        self.from = from
        self.to = to
    }

    /// `to` as a sentence starts with it: `Juno`.
    package var toTitle: String { to.prefix(1).uppercased() + to.dropFirst() }

    package var description: String { "\(from) → \(to)" }
}
