/// A model's queue of requests waiting for a batch: admission with a bound per priority level,
/// order (priority level, then earliest deadline, then arrival), exact expiry, cancellation, and
/// batch formation by maximum size, preferred sizes and queue delay, as Triton's dynamic batcher
/// does it. Past Triton, it uses the measured drain rate to keep deadlines: a request whose
/// deadline the work ahead of it would overrun is refused at the door, a batch never grows so
/// large that it would finish after a member's deadline, and a request that can no longer finish
/// in time is not executed (it waits for its deadline, when it is answered). Pure: every call
/// takes the current instant, so tests drive time by hand and the service decides when to call
/// (`nextWakeup`).
public struct BatchQueue: Sendable {
  public let policy: BatchingPolicy
  /// Executor instances, for the pushback estimate.
  public let instances: Int
  public private(set) var drainRate = DrainRate()
  private var entries: [Entry] = []
  private var arrivals: UInt64 = 0
  /// When each running batch is expected to end, in start order (nil before a drain rate).
  private var running: [ContinuousClock.Instant?] = []

  struct Entry: Sendable {
    var id: UInt64
    var rows: Int
    var level: Int
    var group: Int
    var arrival: UInt64
    var enqueued: ContinuousClock.Instant
    /// When the request must be answered DEADLINE_EXCEEDED if still queued: the gRPC deadline,
    /// or a REJECT timeout, whichever is first.
    var expiry: ContinuousClock.Instant?
    /// From when a DELAY timeout puts it behind the others.
    var delayedFrom: ContinuousClock.Instant?
  }

  public init(policy: BatchingPolicy, instances: Int = 1) {
    self.policy = policy
    self.instances = max(instances, 1)
  }

  public var count: Int { entries.count }
  public var queuedRows: Int { entries.reduce(0) { $0 + $1.rows } }
  public var isEmpty: Bool { entries.isEmpty }

  /// Queues a request, or refuses it at once when its level is full.
  public mutating func enqueue(_ request: QueuedRequest, now: ContinuousClock.Instant) -> Admission {
    let level = request.priority.flatMap { $0 == 0 ? nil : $0 } ?? policy.defaultPriority
    guard (1...policy.priorityLevels).contains(level) else { return .invalidPriority(level) }
    let rules = policy.queuePolicy(of: level)
    guard entries.lazy.filter({ $0.level == level }).count < rules.maxQueueSize else {
      return .queueFull(retryAfter: pushback())
    }
    let timeout = (rules.allowTimeoutOverride ? request.timeout : nil) ?? rules.defaultTimeout
    let timedOut = timeout.map { now + $0 }
    var expiry = request.deadline
    var delayedFrom: ContinuousClock.Instant?
    switch rules.timeoutAction {
    case .reject:
      if let timedOut { expiry = expiry.map { min($0, timedOut) } ?? timedOut }
    case .delay:
      delayedFrom = timedOut
    }
    // Work ahead: what is left of a running batch when every instance is busy, then every
    // queued row of this level or a higher one, then its own.
    let ahead = entries.lazy.filter { $0.level <= level }.reduce(0) { $0 + $1.rows }
    if let expiry, let drain = drainRate.timeToDrain(rows: ahead + request.rows, instances: instances) {
      let busyFor = running.count >= instances ? max(.zero, (running.compactMap { $0 }.min() ?? now) - now) : .zero
      if now + busyFor + drain > expiry {
        return .cannotMeetDeadline(expectedWait: busyFor + drain, retryAfter: pushback())
      }
    }
    arrivals += 1
    entries.append(
      Entry(id: request.id, rows: request.rows, level: level, group: request.group, arrival: arrivals, enqueued: now, expiry: expiry, delayedFrom: delayedFrom))
    return .queued
  }

  /// Removes a request whose client went away; false if it is no longer queued.
  @discardableResult
  public mutating func cancel(_ id: UInt64) -> Bool {
    guard let index = entries.firstIndex(where: { $0.id == id }) else { return false }
    entries.remove(at: index)
    return true
  }

  /// Removes and returns the requests whose deadline has passed, to be answered
  /// DEADLINE_EXCEEDED now, in queue order.
  public mutating func expire(now: ContinuousClock.Instant) -> [UInt64] {
    let expired = ordered(now: now).filter { entry in entry.expiry.map { $0 <= now } ?? false }
    let ids = Set(expired.map(\.id))
    entries.removeAll { ids.contains($0.id) }
    return expired.map(\.id)
  }

  /// The next batch to execute, removed from the queue, when an executor instance is idle and a
  /// batch is due: the queue can fill the maximum size or a preferred size, a queued request
  /// cannot join (another group, or it would not finish in time), or the oldest request has
  /// waited the queue delay. Expired requests are never batched (call `expire` first).
  ///
  /// Under deadline pressure (the whole head would end after a member's deadline) the batch
  /// leaves some requests out: a batch of up to k rows takes the head in order without those
  /// whose deadline comes before it would end, and k is chosen to keep the most rows alive: the
  /// rows it finishes in time plus the rows left out that could still finish after it (the
  /// earlier end wins a tie). So an urgent request goes in a small batch when the rest can wait,
  /// and is given up only when keeping it would cost more rows than it is. (Rows that could
  /// still finish are those one following batch would finish in time.) Requests left out
  /// wait for a later batch or their deadline. Without a drain rate yet, or when the whole head
  /// finishes in time, this is Triton's rule.
  public mutating func nextBatch(now: ContinuousClock.Instant, idleInstances: Int) -> [UInt64]? {
    guard idleInstances > 0 else { return nil }
    let live = ordered(now: now).filter { entry in entry.expiry.map { $0 > now } ?? true }
    // Requests that can no longer finish in time stay queued until their deadline answers them.
    let candidates = live.filter { canFinish($0, rows: $0.rows, now: now) }
    guard let head = candidates.first else { return nil }
    let group = Array(candidates.prefix { $0.group == head.group })
    var taken = Self.take(group, rowBudget: policy.maxBatchSize, finishing: nil)
    let everyone = taken.rows
    if let end = finishInstant(rows: taken.rows, now: now), taken.entries.contains(where: { $0.expiry.map { $0 < end } ?? false }) {
      taken = (entries: [], rows: 0)
      // Each budget that a prefix of the head makes, smallest end first.
      var budget = 0
      var bestAlive = -1
      for entry in group {
        budget += entry.rows
        guard budget <= policy.maxBatchSize else { break }
        let end = finishInstant(rows: budget, now: now)
        let option = Self.take(group, rowBudget: budget, finishing: end)
        let chosenIDs = Set(option.entries.map(\.id))
        let survivors = rowsFinishing(candidates.filter { !chosenIDs.contains($0.id) }, startingAt: end)
        // More rows alive wins; then more rows finished now, which is certain.
        if option.rows + survivors > bestAlive || (option.rows + survivors == bestAlive && option.rows > taken.rows) {
          bestAlive = option.rows + survivors
          taken = option
        }
      }
    }
    if taken.entries.isEmpty { taken = ([head], head.rows) }  // a request larger than a batch runs alone
    var chosen: [Entry]?
    if taken.rows >= policy.maxBatchSize || taken.entries.count < candidates.count || taken.rows < everyone {
      chosen = taken.entries  // full: nothing more could join
    } else if let preferred = largestPreferredPrefix(of: taken.entries) {
      chosen = preferred
    } else if let oldest = candidates.map(\.enqueued).min(), now >= oldest + policy.maxQueueDelay {
      chosen = taken.entries
    }
    guard let chosen else { return nil }
    let ids = Set(chosen.map(\.id))
    entries.removeAll { ids.contains($0.id) }
    running.append(finishInstant(rows: chosen.reduce(0) { $0 + $1.rows }, now: now))
    return chosen.map(\.id)
  }

  /// The head in order while it fits `rowBudget` rows, leaving out requests whose deadline comes
  /// before `finishing`.
  private static func take(_ head: [Entry], rowBudget: Int, finishing: ContinuousClock.Instant?) -> (entries: [Entry], rows: Int) {
    var taken: [Entry] = []
    var rows = 0
    for entry in head {
      if let finishing, let expiry = entry.expiry, expiry < finishing { continue }
      guard rows + entry.rows <= rowBudget else { break }
      taken.append(entry)
      rows += entry.rows
    }
    return (taken, rows)
  }

  /// Rows of `waiting` (in queue order) that one batch starting at `start` could finish in time.
  private func rowsFinishing(_ waiting: [Entry], startingAt start: ContinuousClock.Instant?) -> Int {
    var rows = 0
    var earliest: ContinuousClock.Instant?
    for entry in waiting {
      guard rows + entry.rows <= policy.maxBatchSize else { break }
      let expiry = [earliest, entry.expiry].compactMap { $0 }.min()
      if let start, !finishes(rows: rows + entry.rows, by: expiry, now: start) { continue }
      rows += entry.rows
      earliest = expiry
    }
    return rows
  }

  /// When a batch of `rows` rows started now is expected to end; nil before a drain rate.
  private func finishInstant(rows: Int, now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
    drainRate.timeToDrain(rows: rows, instances: 1).map { now + $0 }
  }

  /// Whether `rows` rows started now would finish by `expiry` at the measured drain rate (always
  /// true before anything has completed, or without a deadline).
  private func finishes(rows: Int, by expiry: ContinuousClock.Instant?, now: ContinuousClock.Instant) -> Bool {
    guard let expiry, let duration = drainRate.timeToDrain(rows: rows, instances: 1) else { return true }
    return now + duration <= expiry
  }

  private func canFinish(_ entry: Entry, rows: Int, now: ContinuousClock.Instant) -> Bool {
    finishes(rows: rows, by: entry.expiry, now: now)
  }

  /// When the queue next needs attention even if no request arrives: the earliest expiry, a
  /// DELAY timeout still to reorder it, or (only while an instance is idle, since nothing can
  /// start otherwise) the queue delay of the oldest request running out. Never an instant that
  /// has already been dealt with, so a caller that sleeps until it cannot spin.
  public func nextWakeup(now: ContinuousClock.Instant, idleInstances: Int) -> ContinuousClock.Instant? {
    var instants = entries.compactMap(\.expiry) + entries.compactMap(\.delayedFrom).filter { $0 > now }
    // Requests that can no longer finish wait only for their expiry.
    if idleInstances > 0, let oldest = entries.filter({ canFinish($0, rows: $0.rows, now: now) }).map(\.enqueued).min() {
      instants.append(oldest + policy.maxQueueDelay)
    }
    return instants.min()
  }

  /// A batch finished: `rows` rows in `duration` on one instance.
  public mutating func recordCompletion(rows: Int, duration: Duration) {
    if !running.isEmpty { running.removeFirst() }
    drainRate.record(rows: rows, duration: duration)
  }

  /// A batch ended without a result: it no longer occupies an instance.
  public mutating func recordFailedBatch() {
    if !running.isEmpty { running.removeFirst() }
  }

  /// How long until the queue has room again: its rows at the measured drain rate, or the queue
  /// delay before anything has completed; at least 1 ms, at most 10 s.
  public func pushback() -> Duration {
    let estimate = drainRate.timeToDrain(rows: queuedRows, instances: instances) ?? max(policy.maxQueueDelay, .milliseconds(10))
    return min(max(estimate, .milliseconds(1)), .seconds(10))
  }

  /// Queue order: not delayed before delayed; then priority level; then earliest expiry (none
  /// last); then arrival.
  private func ordered(now: ContinuousClock.Instant) -> [Entry] {
    entries.sorted { left, right in
      let leftDelayed = left.delayedFrom.map { $0 <= now } ?? false
      let rightDelayed = right.delayedFrom.map { $0 <= now } ?? false
      if leftDelayed != rightDelayed { return !leftDelayed }
      if left.level != right.level { return left.level < right.level }
      switch (left.expiry, right.expiry) {
      case (let l?, let r?) where l != r: return l < r
      case (.some, nil): return true
      case (nil, .some): return false
      default: return left.arrival < right.arrival
      }
    }
  }

  /// The longest prefix of the head whose rows make a preferred batch size.
  private func largestPreferredPrefix(of head: [Entry]) -> [Entry]? {
    guard !policy.preferredBatchSizes.isEmpty else { return nil }
    var rows = 0
    var best: Int?
    for (index, entry) in head.enumerated() {
      rows += entry.rows
      if policy.preferredBatchSizes.contains(rows) { best = index + 1 }
    }
    return best.map { Array(head.prefix($0)) }
  }
}
