import DriftCore

extension HostEvidence {
    /// Whether a value rule cannot be judged on this host because something it depends on was
    /// not collected (the host's collection ended first): its file, the file its fact comes
    /// from, or the marker files that would tell whether the host runs its service. Such a rule
    /// yields no finding, exactly as on a host that could not be collected at all; the host's
    /// failure is the one thing reported, instead of a false "file does not exist" per rule.
    func leavesUnevaluated(_ rule: Rule, markers: [GuideService: [String]]) -> Bool {
        if lacks(rule.files(for: host)) { return true }
        if let when = rule.when, lacks([when.fact.source]) { return true }
        // Services are detected from marker files unless the inventory declares them: a service
        // with none of its markers present but some not collected may or may not run here.
        guard !rule.services.isEmpty, host.services == nil else { return false }
        let detected = rule.services.contains { service in
            (markers[service] ?? []).contains { files[$0]?.exists == true }
        }
        return !detected && rule.services.contains { lacks(markers[$0] ?? []) }
    }

    /// Whether any of `paths` was not collected from this host.
    func lacks(_ paths: [String]) -> Bool {
        paths.contains { path in
            if case .notCollected = files[path] { return true }
            return false
        }
    }
}
