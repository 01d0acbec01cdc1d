/// SSH algorithms from the SHA-1 era that a host may use, which both SSH transports otherwise
/// refuse: Debian 7's OpenSSH 6.0 (the guide's nodes) signs its RSA host key and checks RSA
/// user keys only with `ssh-rsa`, and prefers `diffie-hellman-group14-sha1`.
///
/// Empty by default; the inventory allows them per host (`legacy: true`, or lists), and the
/// report names what was allowed, so weakened cryptography is always a visible decision.
package struct LegacySSHAlgorithms: Sendable, Hashable {
    /// Key exchange methods (`KexAlgorithms`).
    package var keyExchange: [String]
    /// Host key signature algorithms (`HostKeyAlgorithms`).
    package var hostKey: [String]
    /// User key signature algorithms (`PubkeyAcceptedAlgorithms`).
    package var publicKey: [String]

    package init(keyExchange: [String] = [], hostKey: [String] = [], publicKey: [String] = []) {
        self.keyExchange = keyExchange
        self.hostKey = hostKey
        self.publicKey = publicKey
    }

    /// `legacy: true`: what a Debian 7 node needs and nothing more.
    package static let debian7 = LegacySSHAlgorithms(keyExchange: ["diffie-hellman-group14-sha1"], hostKey: ["ssh-rsa"],
                                                    publicKey: ["ssh-rsa"])

    /// The names each list may hold: SHA-1-based algorithms that modern OpenSSH disables.
    package static let knownKeyExchange = ["diffie-hellman-group14-sha1", "diffie-hellman-group-exchange-sha1",
                                          "diffie-hellman-group1-sha1"]
    package static let knownHostKey = ["ssh-rsa", "ssh-dss"]
    package static let knownPublicKey = ["ssh-rsa", "ssh-dss"]

    package var isEmpty: Bool { keyExchange.isEmpty && hostKey.isEmpty && publicKey.isEmpty }

    /// For the report: `kex diffie-hellman-group14-sha1, host key ssh-rsa, user key ssh-rsa`.
    package var summary: [String] {
        keyExchange.map { "kex \($0)" } + hostKey.map { "host key \($0)" } + publicKey.map { "user key \($0)" }
    }
}
