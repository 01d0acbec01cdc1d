import DriftCore

/// The confinement applied to a host: by a target's name first, then by where the node says
/// it leads, before anything is read.
extension IncludeConfinement {
    /// What may be done with an include target of `root`'s chain.
    package enum Verdict: Sendable, Hashable {
        /// Read it at this path (where it resolved, inside the confinement).
        case allowed(String)
        /// Never read: the reason says where it leads ("outside /etc/mysql").
        case refused(String)
        case missing
        /// Where it leads could not be told (no SFTP with `sudo: true`, a directory the login
        /// user cannot enter): it is not read, since `sudo cat` would follow a link anywhere.
        case unknown(TransportError)
    }

    /// Checks `path` by name, then resolves it on the node and checks where it leads. The
    /// file is then read at the resolved path, so a `sudo cat` is given a path free of links.
    /// (Over SSH a link swapped in between the two questions is not seen; the local transport
    /// walks the tree without following links.)
    package func check(_ path: String, includedFrom root: String, session: any TransportSession) -> Verdict {
        if let reason = refusal(of: path, includedFrom: root) { return .refused(reason) }
        switch session.resolve(IncludeConfinement.normalized(path)) {
        case .resolved(let resolved):
            if let reason = refusal(of: resolved, includedFrom: root) {
                return .refused("a symbolic link to '\(resolved)', " + reason)
            }
            return .allowed(resolved)
        case .missing:
            return .missing
        case .failed(let error):
            return .unknown(error)
        }
    }
}
