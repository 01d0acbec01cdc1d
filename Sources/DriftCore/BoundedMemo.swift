import Synchronization

/// Results made once per run for inputs many hosts share (a large file's parse, a scan of it,
/// its deflated bytes), by key, within a bound on what is kept: the first results that fit are
/// kept, and past the bound a result is made afresh each time it is asked for, as without the
/// memo. Safe from every thread; two threads asking for one new key may both make it.
package final class BoundedMemo<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Kept {
        var values: [Key: Value] = [:]
        var cost = 0
    }

    /// The most the kept values may cost, in the caller's unit (bytes, positions, names).
    package let capacity: Int
    private let kept = Mutex(Kept())

    package init(capacity: Int) {
        self.capacity = capacity
    }

    /// The value kept for `key`, if any.
    package func known(_ key: Key) -> Value? {
        kept.withLock { $0.values[key] }
    }

    /// The value kept for `key`, else `make()`'s, kept when its `cost` still fits.
    package func value(for key: Key, cost: (Value) -> Int, make: () -> Value) -> Value {
        if let known = known(key) { return known }
        let value = make()
        let price = cost(value)
        kept.withLock { kept in
            guard kept.cost + price <= capacity, kept.values[key] == nil else { return }
            kept.values[key] = value
            kept.cost += price
        }
        return value
    }
}
