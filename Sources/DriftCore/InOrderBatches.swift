import Dispatch

/// `items.map(transform)` made on every core a batch at a time, one batch ahead of whoever
/// iterates, and handed out in the items' order: the consumer's serial work (writing to the
/// store, counting into the overview) overlaps the next batch's making, and what comes out is
/// the same whatever the thread timing. Holds at most two batches of results.
package struct InOrderBatches<Item: Sendable, Result: Sendable>: Sequence {
    private let makeSource: () -> () -> Item?
    private let batchSize: Int
    private let transform: @Sendable (Item) -> Result

    package init(_ items: [Item], batchSize: Int = 64, transform: @escaping @Sendable (Item) -> Result) {
        self.init(batchSize: batchSize, source: {
            var remaining = items.makeIterator()
            return { remaining.next() }
        }, transform: transform)
    }

    /// Items drawn from `source()` (made once per iteration), a batch at a time on the iterating
    /// thread, as they are needed: what reads them (a database connection) stays on one thread
    /// and only two batches are ever held. The source ends the items by giving `nil`.
    package init(batchSize: Int = 64, source: @escaping () -> () -> Item?, transform: @escaping @Sendable (Item) -> Result) {
        makeSource = source
        self.batchSize = Swift.max(1, batchSize)
        self.transform = transform
    }

    package func makeIterator() -> Iterator { Iterator(self) }

    package struct Iterator: IteratorProtocol {
        private let batches: InOrderBatches
        private let source: () -> Item?
        private var current: [Result] = []
        private var position = 0
        private var pending: Batch?

        fileprivate init(_ batches: InOrderBatches) {
            self.batches = batches
            source = batches.makeSource()
            pending = start()
        }

        package mutating func next() -> Result? {
            if position == current.count {
                guard let batch = pending else { return nil }
                current = batch.results()
                position = 0
                pending = start()
                if current.isEmpty { return nil }
            }
            defer { position += 1 }
            return current[position]
        }

        /// Draws the next batch's items and begins making it in the background; `nil` past the last item.
        private mutating func start() -> Batch? {
            var items: [Item] = []
            while items.count < batches.batchSize, let item = source() { items.append(item) }
            return items.isEmpty ? nil : Batch(items, transform: batches.transform)
        }
    }

    /// One batch being made: its results are written once, by the making thread, before
    /// `done` is signalled, and read only after it.
    private final class Batch: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private var made: [Result] = []

        init(_ items: [Item], transform: @escaping @Sendable (Item) -> Result) {
            DispatchQueue.global().async {
                let slots = Slots(count: items.count)
                DispatchQueue.concurrentPerform(iterations: items.count) { index in
                    slots.fill(index, with: transform(items[index]))
                }
                self.made = slots.take()
                self.done.signal()
            }
        }

        /// Uninitialized memory, each slot filled by exactly one thread, read after all are.
        private struct Slots: @unchecked Sendable {
            let buffer: UnsafeMutableBufferPointer<Result>

            init(count: Int) { buffer = .allocate(capacity: count) }

            func fill(_ index: Int, with result: Result) { (buffer.baseAddress! + index).initialize(to: result) }

            /// The results, the memory given back: call once, after every slot is filled.
            func take() -> [Result] {
                let results = Array(buffer)
                buffer.deinitialize()
                buffer.deallocate()
                return results
            }
        }

        func results() -> [Result] {
            done.wait()
            return made
        }
    }
}
