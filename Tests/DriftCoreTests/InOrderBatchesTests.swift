import DriftCore
import Foundation
import Testing

/// Results made on several threads come out in the items' order, every one once, whatever
/// the batch boundaries and however long each item takes.
@Suite struct InOrderBatchesTests {
    @Test(arguments: [0, 1, 63, 64, 65, 1_000])
    func everyResultComesOnceInOrder(count: Int) {
        let items = Array(0..<count)
        let made = Array(InOrderBatches(items, batchSize: 64) { item -> String in
            // Uneven work, so threads finish out of order.
            if item % 7 == 0 { usleep(UInt32(item % 5) * 200) }
            return "item \(item)"
        })
        #expect(made == items.map { "item \($0)" })
    }

    @Test func anIteratorLeftPartWayStopsWhereItWasLeft() {
        var iterator = InOrderBatches(Array(0..<200), batchSize: 10) { $0 * 2 }.makeIterator()
        var seen: [Int] = []
        for _ in 0..<15 { if let next = iterator.next() { seen.append(next) } }
        #expect(seen == (0..<15).map { $0 * 2 })
    }
}
