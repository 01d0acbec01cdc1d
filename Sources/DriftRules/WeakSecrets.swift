import DriftCore

/// Tells whether a secret's value is one an attacker tries first, without ever showing it:
/// a word from the weak-secrets list (`password`, `admin`, `secret`, RabbitMQ's `guest`…), a
/// guide placeholder in other letter case (`nova_pass`), the name of the user it belongs to,
/// or nothing at all. A password inside a URL is judged against the URL's own user.
struct WeakSecrets {
    private let words: Set<String>
    private let placeholders: Set<String>

    init(words: [String], placeholders: [String]) {
        self.words = Set(words.map { $0.lowercased() })
        self.placeholders = Set(placeholders.map { $0.lowercased() })
    }

    /// Why the value is weak, in words that do not repeat it; `nil` when it is not weak.
    /// `user` is the name of the account the secret belongs to, when known.
    func weakness(of value: String, user: String?) -> String? {
        if let url = Self.urlCredentials(value) {
            guard let password = url.password else { return nil }
            return weakness(ofPassword: password, user: url.user)
        }
        return weakness(ofPassword: value, user: user)
    }

    private func weakness(ofPassword value: String, user: String?) -> String? {
        let trimmed = value.trimmed()
        if trimmed.isEmpty { return "is empty" }
        let lowered = trimmed.lowercased()
        if let user, !user.trimmed().isEmpty, lowered == user.trimmed().lowercased() { return "is the user's own name" }
        if words.contains(lowered) { return "is a well-known password, among the first an attacker tries" }
        if placeholders.contains(lowered) { return "is a guide placeholder written in other letter case" }
        return nil
    }

    /// The keys that may name the account a secret key belongs to, in the same section:
    /// `admin_password` → `admin_user`, `rabbit_password` → `rabbit_userid`, `os_password` → `os_username`.
    static func userKeys(for key: String) -> [String] {
        let lowered = key.lowercased()
        for word in ["password", "passwd", "pass"] {
            guard let range = lowered.range(of: word, options: .backwards) else { continue }
            return ["user", "username", "userid", "user_id"].map { lowered.replacingCharacters(in: range, with: $0) }
        }
        return []
    }

    /// `scheme://user:password@host…`: the user and password, when the value is such a URL.
    static func urlCredentials(_ value: String) -> (user: String, password: String?)? {
        guard let schemeEnd = value.range(of: "://") else { return nil }
        let rest = value[schemeEnd.upperBound...]
        guard let at = rest.lastIndex(of: "@") else { return nil }
        let userinfo = rest[..<at]
        if userinfo.contains("/") { return nil }
        guard let colon = userinfo.firstIndex(of: ":") else { return (String(userinfo), nil) }
        return (String(userinfo[..<colon]), String(userinfo[userinfo.index(after: colon)...]))
    }
}
