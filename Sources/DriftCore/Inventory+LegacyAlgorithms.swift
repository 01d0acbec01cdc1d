extension Inventory {
    /// `legacy:`, per host or in `defaults`: `true` allows what a Debian 7 node needs
    /// (`LegacySSHAlgorithms.debian7`), `false` nothing, and a mapping names exactly which
    /// SHA-1-era algorithms the host may use: `{kex: […], host_key: […], pubkey: […]}`.
    static func readLegacyAlgorithms(_ field: YAMLField) throws -> LegacySSHAlgorithms {
        if let allowed = try? field.bool() { return allowed ? .debian7 : LegacySSHAlgorithms() }
        let map: YAMLMapping
        do {
            map = try field.mapping()
        } catch {
            throw field.error("expected true, false or a mapping of the SHA-1 algorithms to allow "
                              + "(keys: kex, host_key, pubkey)")
        }
        try map.rejectUnknownKeys(allowed: ["kex", "host_key", "pubkey"])
        func names(_ key: String, known: [String]) throws -> [String] {
            guard let list = map[key] else { return [] }
            var names: [String] = []
            for item in try list.list() {
                let name = try item.string()
                guard known.contains(name) else {
                    throw item.error("'\(name)' is not a legacy \(key) algorithm stackdrift can allow (valid: "
                                     + known.joined(separator: ", ") + ")")
                }
                if !names.contains(name) { names.append(name) }
            }
            return names
        }
        return LegacySSHAlgorithms(keyExchange: try names("kex", known: LegacySSHAlgorithms.knownKeyExchange),
                                   hostKey: try names("host_key", known: LegacySSHAlgorithms.knownHostKey),
                                   publicKey: try names("pubkey", known: LegacySSHAlgorithms.knownPublicKey))
    }
}
