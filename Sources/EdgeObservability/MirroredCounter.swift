public import CoreMetrics
import Synchronization

/// A counter whose running total is kept elsewhere (the kernel's CPU time, the usage ledger, a
/// connection pool's count): each scrape brings it to the latest total by adding what grew
/// since the last one. A total that went down (a ledger trimmed) adds nothing.
public final class MirroredCounter: Sendable {
  private let counter: FloatingPointCounter
  private let reported = Mutex<Double>(0)

  public init(_ counter: FloatingPointCounter) {
    self.counter = counter
  }

  public func update(total: Double) {
    let growth = reported.withLock { reported -> Double in
      let growth = total - reported
      reported = max(reported, total)
      return growth
    }
    if growth > 0 { counter.increment(by: growth) }
  }
}
