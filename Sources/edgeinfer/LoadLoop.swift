import GRPCCore
import Synchronization

/// Sends requests for a bounded time and tallies what comes back: `concurrency` closed loops, or
/// arrivals at a fixed `rate` with at most `concurrency` outstanding. Every loop ends by itself.
struct LoadLoop: Sendable {
  /// Sends the request of this index (modulo `requestCount`) and says how it ended.
  let send: @Sendable (Int) async -> ServeTally.Outcome
  let requestCount: Int
  /// Each call's deadline, if any.
  let deadline: Duration?
  let concurrency: Int
  let rate: Double?

  func run(for duration: Duration) async -> ServeTally {
    let end = ContinuousClock.now + duration
    let counters = Counters()
    guard let rate else {
      return await withTaskGroup(of: ServeTally.self) { group in
        for _ in 0..<concurrency {
          group.addTask {
            var tally = ServeTally()
            while ContinuousClock.now < end {
              let (outcome, latency) = await timed(counters.next.add(1, ordering: .relaxed).oldValue % requestCount)
              tally.record(outcome, latency: latency, deadline: deadline ?? .seconds(3600))
            }
            return tally
          }
        }
        return await group.reduce(into: ServeTally()) { $0.merge($1) }
      }
    }
    let interval = Duration.seconds(1 / rate)
    // One tally for every sender: a histogram per request would cost more than the request.
    let shared = SharedTally()
    // Senders are unstructured tasks so that the loop ends even if a call never returns (a
    // transport that loses a stream without completing it): after the last arrival, answers are
    // awaited for the deadline and five seconds more, and calls still open are counted as stuck.
    var arrival = ContinuousClock.now
    while arrival < end {
      try? await Task.sleep(until: arrival, tolerance: .zero, clock: .continuous)
      arrival += interval
      guard counters.outstanding.add(1, ordering: .relaxed).newValue <= concurrency else {
        counters.outstanding.subtract(1, ordering: .relaxed)
        shared.tally.withLock { $0.unsent += 1 }
        continue
      }
      let request = counters.next.add(1, ordering: .relaxed).oldValue % requestCount
      Task {
        let (outcome, latency) = await timed(request)
        shared.tally.withLock { $0.record(outcome, latency: latency, deadline: deadline ?? .seconds(3600)) }
        counters.outstanding.subtract(1, ordering: .relaxed)
      }
    }
    let patience = ContinuousClock.now + (deadline ?? .seconds(60)) + .seconds(5)
    while counters.outstanding.load(ordering: .relaxed) > 0, ContinuousClock.now < patience {
      try? await Task.sleep(for: .milliseconds(20))
    }
    let stuck = counters.outstanding.load(ordering: .relaxed)
    return shared.tally.withLock { tally in
      tally.stuck = stuck
      return tally
    }
  }

  final class SharedTally: Sendable {
    let tally = Mutex(ServeTally())
  }

  /// The next request's index and the requests outstanding, shared by the senders.
  final class Counters: Sendable {
    let next = Atomic<Int>(0)
    let outstanding = Atomic<Int>(0)
  }

  private func timed(_ request: Int) async -> (ServeTally.Outcome, Duration) {
    let started = ContinuousClock.now
    let outcome = await send(request)
    return (outcome, ContinuousClock.now - started)
  }
}
