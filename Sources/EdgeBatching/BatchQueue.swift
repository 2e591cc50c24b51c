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
    // Work ahead: every queued row of this level or a higher one, then its own.
    let ahead = entries.lazy.filter { $0.level <= level }.reduce(0) { $0 + $1.rows }
    if let expiry, let wait = drainRate.timeToDrain(rows: ahead + request.rows, instances: instances), now + wait > expiry {
      return .cannotMeetDeadline(expectedWait: wait, retryAfter: pushback())
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
  /// batch is due: the queue can fill the maximum size or a preferred size, the next request
  /// cannot join (another group), or the oldest request has waited the queue delay. Expired
  /// requests are never batched (call `expire` first).
  public mutating func nextBatch(now: ContinuousClock.Instant, idleInstances: Int) -> [UInt64]? {
    guard idleInstances > 0 else { return nil }
    let live = ordered(now: now).filter { entry in entry.expiry.map { $0 > now } ?? true }
    // Requests that can no longer finish in time stay queued until their deadline answers them.
    let candidates = live.filter { canFinish($0, rows: $0.rows, now: now) }
    guard let head = candidates.first else { return nil }
    // The queue's head, in order, as far as it fits one batch of the head's group that finishes
    // before every member's deadline.
    var taken: [Entry] = []
    var rows = 0
    var earliestExpiry: ContinuousClock.Instant?
    var stopped = false
    for entry in candidates {
      let expiry = [earliestExpiry, entry.expiry].compactMap { $0 }.min()
      guard entry.group == head.group, rows + entry.rows <= policy.maxBatchSize,
        taken.isEmpty || finishes(rows: rows + entry.rows, by: expiry, now: now)
      else {
        stopped = true
        break
      }
      taken.append(entry)
      rows += entry.rows
      earliestExpiry = expiry
    }
    if taken.isEmpty { taken = [head] }  // a request larger than a batch runs alone
    var chosen: [Entry]?
    if rows >= policy.maxBatchSize || stopped {
      chosen = taken  // full: nothing more could join
    } else if let preferred = largestPreferredPrefix(of: taken) {
      chosen = preferred
    } else if let oldest = candidates.map(\.enqueued).min(), now >= oldest + policy.maxQueueDelay {
      chosen = taken
    }
    guard let chosen else { return nil }
    let ids = Set(chosen.map(\.id))
    entries.removeAll { ids.contains($0.id) }
    return chosen.map(\.id)
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
    drainRate.record(rows: rows, duration: duration)
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
