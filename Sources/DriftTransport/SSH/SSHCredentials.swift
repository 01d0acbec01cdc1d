import Foundation

/// Secrets for SSH authentication, read from where the operator put them: a
/// passphrase file or `STACKDRIFT_SSH_PASSPHRASE`, a password from the environment
/// variable the inventory names. Never from the command line, and never repeated in
/// an error, a log or a report.
enum SSHCredentials {
    /// The passphrase for encrypted private keys, if one is configured.
    static func passphrase(for target: SSHTarget, options: SSHOptions) throws(TransportError) -> String? {
        if let file = target.passphraseFile {
            var info = stat()
            guard stat(file, &info) == 0, let data = FileManager.default.contents(atPath: file) else {
                throw TransportError(.authentication, host: target.host, "cannot read passphrase file '\(file)'")
            }
            if info.st_mode & 0o077 != 0 {
                let mode = String(info.st_mode & 0o777, radix: 8)
                throw TransportError(.authentication, host: target.host,
                                     "passphrase file '\(file)' is readable by others (mode 0\(mode)); chmod 600 it")
            }
            var text = String(decoding: data, as: UTF8.self)
            while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
            return text
        }
        if let value = options.environment[SSHOptions.passphraseVariable], !value.isEmpty { return value }
        return nil
    }

    /// The password from the variable `password_env` names; `nil` when none is named.
    /// A named but unset variable is an error: the operator asked for password authentication.
    static func password(for target: SSHTarget, options: SSHOptions) throws(TransportError) -> String? {
        guard let variable = target.passwordVariable else { return nil }
        guard let value = options.environment[variable], !value.isEmpty else {
            throw TransportError(.authentication, host: target.host,
                                 "password_env names '\(variable)', but that environment variable is not set")
        }
        return value
    }
}

/// What kind of key a private key file holds, read from its `.pub` companion or its
/// own header, without its passphrase: an RSA key deserves a warning with libssh2 1.10.
enum PrivateKeyFile {
    static func algorithm(of path: String) -> String? {
        if let text = try? String(contentsOfFile: path + ".pub", encoding: .utf8),
           let first = text.split(whereSeparator: \.isWhitespace).first {
            return String(first)
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        if text.contains("BEGIN RSA PRIVATE KEY") { return "ssh-rsa" }
        if text.contains("BEGIN EC PRIVATE KEY") { return "ecdsa" }
        guard text.contains("BEGIN OPENSSH PRIVATE KEY") else { return nil }
        // openssh-key-v1: magic, cipher, kdf, kdf options, key count, then the first public key in clear.
        let body = text.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("-----") }.joined()
        guard let data = Data(base64Encoded: body) else { return nil }
        let magic = Array("openssh-key-v1\u{0}".utf8)
        let bytes = [UInt8](data)
        guard bytes.starts(with: magic) else { return nil }
        var reader = SSHWireReader(bytes, offset: magic.count)
        guard reader.string() != nil, reader.string() != nil, reader.string() != nil, reader.uint32() != nil,
              let publicKey = reader.string() else { return nil }
        return HostKey.algorithm(ofBlob: publicKey)
    }
}
