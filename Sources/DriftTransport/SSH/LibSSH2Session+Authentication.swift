internal import CLibSSH2
import DriftCore
import Foundation

extension LibSSH2Session {
    /// Logs in as `target.user`: the inventory's or ssh config's key files, then ssh-agent,
    /// then (with no key configured) `~/.ssh/id_ed25519`, `id_ecdsa` and `id_rsa`, then a
    /// password when `password_env` names one. The error lists what was offered.
    func authenticate(_ target: SSHTarget, options: SSHOptions) throws(TransportError) {
        guard let methods = try authenticationMethods(user: target.user) else { return }
        var attempt = AuthenticationAttempt(user: target.user, methods: methods, legacy: target.legacy.publicKey)
        do throws(TransportError) {
            if methods.contains("publickey") {
                // A key named in the inventory must exist; one from ~/.ssh/config may not, as with ssh.
                if target.identityFromInventory,
                   let missing = target.identities.first(where: { !FileManager.default.fileExists(atPath: $0) }) {
                    throw TransportError(.authentication, host: host, "identity file '\(missing)' does not exist")
                }
                let files = target.identities.filter { FileManager.default.fileExists(atPath: $0) }
                let passphrase = try SSHCredentials.passphrase(for: target, options: options)
                if try authenticate(with: files, passphrase: passphrase, attempt: &attempt) { return }
                if !target.identitiesOnly, let socket = options.environment["SSH_AUTH_SOCK"], !socket.isEmpty,
                   try authenticateWithAgent(socket, attempt: &attempt) { return }
                if target.identities.isEmpty,
                   try authenticate(with: SSHTarget.defaultIdentities(home: options.homeDirectory),
                                    passphrase: passphrase, attempt: &attempt) { return }
            }
            if methods.contains("password"), let password = try SSHCredentials.password(for: target, options: options) {
                try arm("authenticating as '\(target.user)' with a password")
                let code = libssh2_userauth_password_ex(handle, target.user, UInt32(target.user.utf8.count),
                                                        password, UInt32(password.utf8.count), nil)
                if code == 0 { return }
                try attempt.refusedOrThrow(code, offered: "a password from $\(target.passwordVariable ?? "")", session: self)
            }
        } catch where error.kind == .dropped && !attempt.offered.isEmpty {
            // sshd hangs up after MaxAuthTries refusals (6 by default): say so rather than "connection dropped".
            throw TransportError(.authentication, host: host, attempt.refusal(closing: "the server closed the connection"))
        }
        throw TransportError(.authentication, host: host, attempt.refusal(closing: nil))
    }

    private func authenticate(with files: [String], passphrase: String?,
                              attempt: inout AuthenticationAttempt) throws(TransportError) -> Bool {
        for file in files {
            if !attempt.mayOffer(PrivateKeyFile.algorithm(of: file), "key '\(file)'") { continue }
            try arm("authenticating as '\(attempt.user)' with key '\(file)'")
            let code = libssh2_userauth_publickey_fromfile_ex(handle, attempt.user, UInt32(attempt.user.utf8.count),
                                                              nil, file, passphrase)
            if code == 0 { return true }
            if code == LIBSSH2_ERROR_FILE {
                attempt.problems.append("key '\(file)' could not be loaded (libssh2: \(lastError().message)): a wrong or "
                                        + "missing passphrase (\(SSHOptions.passphraseVariable) or passphrase_file), "
                                        + "or a format libssh2 cannot read")
                continue
            }
            try attempt.refusedOrThrow(code, offered: "key '\(file)'", session: self)
            if PrivateKeyFile.algorithm(of: file) == "ssh-rsa" { attempt.offeredRSA = true }
        }
        return false
    }

    private func authenticateWithAgent(_ socket: String, attempt: inout AuthenticationAttempt) throws(TransportError) -> Bool {
        let agent: SSHAgent
        let identities: [SSHAgent.Identity]
        do {
            agent = try SSHAgent(session: self, socketPath: socket)
            identities = try agent.identities()
        } catch {
            attempt.problems.append("ssh-agent at '\(socket)' could not be used (\(error.message))")
            return false
        }
        for identity in identities {
            if !attempt.mayOffer(identity.algorithm, "ssh-agent key '\(identity.comment)'") { continue }
            try arm("authenticating as '\(attempt.user)' with ssh-agent key '\(identity.comment)'")
            let code = agent.authenticate(user: attempt.user, with: identity)
            if code == 0 { return true }
            try attempt.refusedOrThrow(code, offered: "ssh-agent key '\(identity.comment)'", session: self)
            if identity.algorithm == "ssh-rsa" { attempt.offeredRSA = true }
        }
        if identities.isEmpty { attempt.problems.append("ssh-agent at '\(socket)' holds no key") }
        return false
    }
}

/// What was offered to the server while logging in, for the error when nothing was accepted.
struct AuthenticationAttempt {
    let user: String
    let methods: [String]
    /// The SHA-1 user key signatures the host allows (`legacy:`): libssh2 1.10 signs RSA keys
    /// only with `ssh-rsa`, so an RSA key is offered only where that is allowed, as OpenSSH's
    /// client offers it only where `PubkeyAcceptedAlgorithms` does.
    var legacy: [String] = []
    var offered: [String] = []
    var problems: [String] = []
    var offeredRSA = false

    /// Whether a key of `algorithm` may be offered; notes why not when it may not.
    mutating func mayOffer(_ algorithm: String?, _ credential: String) -> Bool {
        guard let algorithm, LegacySSHAlgorithms.knownPublicKey.contains(algorithm), !legacy.contains(algorithm) else { return true }
        problems.append("\(credential) was not offered: it is a \(algorithm) key, which libssh2 1.10 signs only with SHA-1 "
                        + "'\(algorithm)', allowed only for a node older than OpenSSH 7.2 with legacy: true; use an ed25519 "
                        + "or ECDSA key, or transport: openssh")
        return false
    }

    /// Records a refusal; any other failure (a timeout, a dropped connection) is thrown.
    mutating func refusedOrThrow(_ code: Int32, offered credential: String, session: LibSSH2Session) throws(TransportError) {
        switch code {
        case LIBSSH2_ERROR_AUTHENTICATION_FAILED, LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED, LIBSSH2_ERROR_METHOD_NOT_SUPPORTED:
            offered.append(credential)
        default:
            throw session.failure("authenticating as '\(user)' with \(credential)")
        }
    }

    func refusal(closing: String?) -> String {
        var message = offered.isEmpty
            ? "authentication as '\(user)' impossible: no key, ssh-agent key or password to offer"
            : "authentication as '\(user)' refused (offered: \(offered.joined(separator: ", ")))"
        if let closing { message += "; \(closing)" }
        message += "; the server accepts: \(methods.joined(separator: ", "))"
        for problem in problems { message += "; \(problem)" }
        if offeredRSA {
            message += "; note: libssh2 1.10 signs RSA keys only with SHA-1 'ssh-rsa', which OpenSSH 8.8 and later "
                + "refuse by default: use an ed25519 or ECDSA key, or transport: openssh"
        }
        return message
    }
}
