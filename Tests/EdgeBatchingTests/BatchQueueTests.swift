import EdgeBatching
import Testing

/// The batcher's decisions with time driven by hand: batch formation by size, preferred size
/// and delay; priorities and deadline order; REJECT and DELAY timeouts; the queue bound and its
/// pushback; cancellation.
struct BatchQueueTests {
  let t0 = ContinuousClock.now

  func at(_ milliseconds: Int) -> ContinuousClock.Instant { t0 + .milliseconds(milliseconds) }

  func queue(_ policy: BatchingPolicy) -> BatchQueue { BatchQueue(policy: policy) }

  @Test func aFullBatchGoesAtOnceAndTheRestWaitsForTheDelay() {
    var queue = queue(BatchingPolicy(maxBatchSize: 4, maxQueueDelay: .milliseconds(5)))
    for id in 1...6 { #expect(queue.enqueue(QueuedRequest(id: UInt64(id), rows: 1), now: at(0)) == .queued) }
    #expect(queue.nextBatch(now: at(0), idleInstances: 1) == [1, 2, 3, 4])
    #expect(queue.nextBatch(now: at(4), idleInstances: 1) == nil)
    #expect(queue.nextWakeup(now: at(4), idleInstances: 1) == at(5))
    #expect(queue.nextBatch(now: at(5), idleInstances: 1) == [5, 6])
    #expect(queue.isEmpty)
  }

  @Test func nothingIsDispatchedWhileEveryInstanceIsBusy() {
    var queue = queue(BatchingPolicy(maxBatchSize: 2))
    _ = queue.enqueue(QueuedRequest(id: 1, rows: 1), now: at(0))
    #expect(queue.nextBatch(now: at(100), idleInstances: 0) == nil)
    _ = queue.enqueue(QueuedRequest(id: 2, rows: 1), now: at(100))
    _ = queue.enqueue(QueuedRequest(id: 3, rows: 1), now: at(100))
    #expect(queue.nextBatch(now: at(100), idleInstances: 1) == [1, 2])
  }

  @Test func aPreferredSizeGoesWithoutWaiting() {
    var queue = queue(BatchingPolicy(maxBatchSize: 8, preferredBatchSizes: [2, 4], maxQueueDelay: .milliseconds(50)))
    _ = queue.enqueue(QueuedRequest(id: 1, rows: 1), now: at(0))
    #expect(queue.nextBatch(now: at(1), idleInstances: 1) == nil)
    for id in 2...3 { _ = queue.enqueue(QueuedRequest(id: UInt64(id), rows: 1), now: at(1)) }
    // Three queued: the largest preferred size that the head makes is 2.
    #expect(queue.nextBatch(now: at(1), idleInstances: 1) == [1, 2])
    #expect(queue.nextBatch(now: at(2), idleInstances: 1) == nil)
    #expect(queue.nextBatch(now: at(51), idleInstances: 1) == [3])
  }

  @Test func rowsCountTowardsTheBatchAndABigRequestRunsAlone() {
    var queue = queue(BatchingPolicy(maxBatchSize: 4))
    _ = queue.enqueue(QueuedRequest(id: 1, rows: 3), now: at(0))
    _ = queue.enqueue(QueuedRequest(id: 2, rows: 2), now: at(0))
    #expect(queue.nextBatch(now: at(0), idleInstances: 1) == [1])
    #expect(queue.nextBatch(now: at(0), idleInstances: 1) == [2])
    _ = queue.enqueue(QueuedRequest(id: 3, rows: 9), now: at(0))
    #expect(queue.nextBatch(now: at(0), idleInstances: 1) == [3])
  }

  @Test func higherPriorityLevelsGoFirstAndEarliestDeadlineWithinALevel() {
    var queue = queue(BatchingPolicy(maxBatchSize: 1, priorityLevels: 2, defaultPriority: 2))
    _ = queue.enqueue(QueuedRequest(id: 1, rows: 1), now: at(0))
    _ = queue.enqueue(QueuedRequest(id: 2, rows: 1, deadline: at(900)), now: at(0))
    _ = queue.enqueue(QueuedRequest(id: 3, rows: 1, deadline: at(100)), now: at(0))
    _ = queue.enqueue(QueuedRequest(id: 4, rows: 1, priority: 1), now: at(0))
    let order = (0..<4).compactMap { _ in queue.nextBatch(now: at(0), idleInstances: 1)?.first }
    #expect(order == [4, 3, 2, 1])
  }

  @Test func anUnknownPriorityIsRefused() {
    var queue = queue(BatchingPolicy(maxBatchSize: 4, priorityLevels: 2))
    #expect(queue.enqueue(QueuedRequest(id: 1, rows: 1, priority: 3), now: at(0)) == .invalidPriority(3))
    #expect(queue.isEmpty)
  }

  @Test func deadlinesExpireAtTheirInstantAndAreNeverBatched() {
    var queue = queue(BatchingPolicy(maxBatchSize: 4, maxQueueDelay: .milliseconds(100)))
    _ = queue.enqueue(QueuedRequest(id: 1, rows: 1, deadline: at(20)), now: at(0))
    _ = queue.enqueue(QueuedRequest(id: 2, rows: 1), now: at(0))
    #expect(queue.nextWakeup(now: at(0), idleInstances: 1) == at(20))
    #expect(queue.expire(now: at(19)) == [])
    #expect(queue.expire(now: at(20)) == [1])
    #expect(queue.nextBatch(now: at(100), idleInstances: 1) == [2])
  }

  @Test func rejectTimeoutsEndTheRequestAndOverridesNeedPermission() {
    let rules = QueuePolicy(timeoutAction: .reject, defaultTimeout: .milliseconds(30), allowTimeoutOverride: false)
    var queue = queue(BatchingPolicy(maxBatchSize: 4, maxQueueDelay: .seconds(1), defaultQueuePolicy: rules))
    _ = queue.enqueue(QueuedRequest(id: 1, rows: 1, timeout: .milliseconds(5)), now: at(0))
    _ = queue.enqueue(QueuedRequest(id: 2, rows: 1, deadline: at(10)), now: at(0))
    #expect(queue.expire(now: at(10)) == [2])  // its deadline comes before the timeout
    #expect(queue.expire(now: at(29)) == [])  // the 5 ms override is not allowed
    #expect(queue.expire(now: at(30)) == [1])
  }

  @Test func delayTimeoutsMoveARequestBehindTheOthers() {
    let rules = QueuePolicy(timeoutAction: .delay, defaultTimeout: .milliseconds(10))
    var queue = queue(BatchingPolicy(maxBatchSize: 1, defaultQueuePolicy: rules))
    _ = queue.enqueue(QueuedRequest(id: 1, rows: 1), now: at(0))
    _ = queue.enqueue(QueuedRequest(id: 2, rows: 1, timeout: .seconds(10)), now: at(5))
    #expect(queue.nextWakeup(now: at(5), idleInstances: 1) == at(0))
    #expect(queue.nextWakeup(now: at(5), idleInstances: 0) == at(10))  // only the DELAY timeout to come
    #expect(queue.expire(now: at(20)) == [])  // delayed, not rejected
    #expect(queue.nextBatch(now: at(20), idleInstances: 1) == [2])
    #expect(queue.nextBatch(now: at(20), idleInstances: 1) == [1])
  }

  @Test func aFullLevelRefusesAtOnceWithPushbackFromTheDrainRate() {
    let rules = QueuePolicy(maxQueueSize: 2)
    var queue = BatchQueue(
      policy: BatchingPolicy(maxBatchSize: 2, maxQueueDelay: .milliseconds(4), priorityLevels: 2, defaultQueuePolicy: rules),
      instances: 2)
    _ = queue.enqueue(QueuedRequest(id: 1, rows: 1, priority: 1), now: at(0))
    _ = queue.enqueue(QueuedRequest(id: 2, rows: 1, priority: 1), now: at(0))
    // Nothing has completed yet: the queue delay, at least 10 ms.
    #expect(queue.enqueue(QueuedRequest(id: 3, rows: 1, priority: 1), now: at(0)) == .queueFull(retryAfter: .milliseconds(10)))
    // Another level has its own bound.
    #expect(queue.enqueue(QueuedRequest(id: 4, rows: 1, priority: 2), now: at(0)) == .queued)
    queue.recordCompletion(rows: 2, duration: .milliseconds(20))  // 100 rows/s per instance
    // Three rows queued, two instances at 100 rows/s: 15 ms.
    #expect(queue.enqueue(QueuedRequest(id: 5, rows: 1, priority: 1), now: at(0)) == .queueFull(retryAfter: .milliseconds(15)))
  }

  @Test func cancelledRequestsLeaveTheQueue() {
    var queue = queue(BatchingPolicy(maxBatchSize: 4))
    _ = queue.enqueue(QueuedRequest(id: 1, rows: 1), now: at(0))
    _ = queue.enqueue(QueuedRequest(id: 2, rows: 1), now: at(0))
    let first = queue.cancel(1), second = queue.cancel(1)
    #expect(first)
    #expect(!second)
    #expect(queue.nextBatch(now: at(0), idleInstances: 1) == [2])
  }

  @Test func withoutBatchingEveryRequestRunsAlone() {
    var queue = queue(BatchingPolicy(maxBatchSize: 1))
    for id in 1...3 { _ = queue.enqueue(QueuedRequest(id: UInt64(id), rows: 1), now: at(0)) }
    let batches = (0..<3).compactMap { _ in queue.nextBatch(now: at(0), idleInstances: 1) }
    #expect(batches == [[1], [2], [3]])
  }

  @Test func theDefaultLevelIsTheMiddleOne() {
    #expect(BatchingPolicy(maxBatchSize: 1, priorityLevels: 3).defaultPriority == 2)
    #expect(BatchingPolicy(maxBatchSize: 1, priorityLevels: 3, defaultPriority: 9).defaultPriority == 3)
    #expect(BatchingPolicy(maxBatchSize: 4, preferredBatchSizes: [8, 2, 0]).preferredBatchSizes == [2])
  }

  @Test func whileEveryInstanceIsBusyOnlyExpiriesWakeTheQueue() {
    var queue = queue(BatchingPolicy(maxBatchSize: 4, maxQueueDelay: .milliseconds(2)))
    _ = queue.enqueue(QueuedRequest(id: 1, rows: 1), now: at(0))
    #expect(queue.nextWakeup(now: at(50), idleInstances: 0) == nil)  // nothing to do until an instance is free
    _ = queue.enqueue(QueuedRequest(id: 2, rows: 1, deadline: at(80)), now: at(50))
    #expect(queue.nextWakeup(now: at(50), idleInstances: 0) == at(80))
    #expect(queue.nextWakeup(now: at(50), idleInstances: 1) == at(2))
  }

  @Test func onlyRequestsOfOneGroupShareABatch() {
    var queue = queue(BatchingPolicy(maxBatchSize: 8, maxQueueDelay: .milliseconds(10)))
    _ = queue.enqueue(QueuedRequest(id: 1, rows: 1, group: 7), now: at(0))
    _ = queue.enqueue(QueuedRequest(id: 2, rows: 1, group: 7), now: at(0))
    #expect(queue.nextBatch(now: at(1), idleInstances: 1) == nil)
    // A request that cannot join ends the head's batch at once, as in Triton.
    _ = queue.enqueue(QueuedRequest(id: 3, rows: 1, group: 9), now: at(1))
    _ = queue.enqueue(QueuedRequest(id: 4, rows: 1, group: 7), now: at(1))
    #expect(queue.nextBatch(now: at(1), idleInstances: 1) == [1, 2])
    #expect(queue.nextBatch(now: at(1), idleInstances: 1) == [3])
    #expect(queue.nextBatch(now: at(1), idleInstances: 1) == nil)
    #expect(queue.nextBatch(now: at(11), idleInstances: 1) == [4])
  }

  @Test func aRequestWhoseDeadlineTheQueuedWorkWouldOverrunIsRefusedAtTheDoor() {
    var queue = queue(BatchingPolicy(maxBatchSize: 4, maxQueueDelay: .milliseconds(1)))
    queue.recordCompletion(rows: 10, duration: .milliseconds(100))  // 10 ms a row
    for id in 1...5 { _ = queue.enqueue(QueuedRequest(id: UInt64(id), rows: 1), now: at(0)) }
    // Five rows ahead and its own: 60 ms of work.
    #expect(
      queue.enqueue(QueuedRequest(id: 6, rows: 1, deadline: at(40)), now: at(0))
        == .cannotMeetDeadline(expectedWait: .milliseconds(60), retryAfter: .milliseconds(50)))
    #expect(queue.enqueue(QueuedRequest(id: 7, rows: 1, deadline: at(60)), now: at(0)) == .queued)
    // A higher level does not wait behind a lower one's work.
    var levels = self.queue(BatchingPolicy(maxBatchSize: 4, priorityLevels: 2))
    levels.recordCompletion(rows: 10, duration: .milliseconds(100))
    for id in 1...5 { _ = levels.enqueue(QueuedRequest(id: UInt64(id), rows: 1, priority: 2), now: at(0)) }
    #expect(levels.enqueue(QueuedRequest(id: 6, rows: 1, priority: 1, deadline: at(15)), now: at(0)) == .queued)
  }

  @Test func anUrgentRequestGoesInASmallBatchWhenTheRestCanWait() {
    var queue = queue(BatchingPolicy(maxBatchSize: 8, maxQueueDelay: .milliseconds(50)))
    _ = queue.enqueue(QueuedRequest(id: 1, rows: 1), now: at(0))
    _ = queue.enqueue(QueuedRequest(id: 2, rows: 1), now: at(0))
    _ = queue.enqueue(QueuedRequest(id: 3, rows: 1, deadline: at(25)), now: at(0))
    _ = queue.enqueue(QueuedRequest(id: 4, rows: 1), now: at(0))
    queue.recordCompletion(rows: 10, duration: .milliseconds(100))  // 10 ms a row
    // Earliest deadline first; all four would end at 40 ms, after request 3's deadline. Two end
    // at 20 ms and the others can wait (no deadline), so two go now.
    #expect(queue.nextBatch(now: at(0), idleInstances: 1) == [3, 1])
    #expect(queue.nextBatch(now: at(20), idleInstances: 1) == nil)
    #expect(queue.nextBatch(now: at(50), idleInstances: 1) == [2, 4])
  }

  @Test func underDeadlinePressureTheBatchKeepsTheMostRequestsAlive() {
    var queue = queue(BatchingPolicy(maxBatchSize: 8))
    // Request 1 has 12 ms left; 2…6 have 55 ms. Either 1 runs alone (10 ms) and then only four
    // of 2…6 can finish (10 + 40 ms), or 2…6 run now (50 ms) and 1 misses: five alive either
    // way, and five finished now are certain.
    _ = queue.enqueue(QueuedRequest(id: 1, rows: 1, deadline: at(12)), now: at(0))
    for id in 2...6 { _ = queue.enqueue(QueuedRequest(id: UInt64(id), rows: 1, deadline: at(55)), now: at(0)) }
    queue.recordCompletion(rows: 10, duration: .milliseconds(100))  // 10 ms a row
    #expect(queue.nextBatch(now: at(0), idleInstances: 1) == [2, 3, 4, 5, 6])
    #expect(queue.expire(now: at(12)) == [1])
  }

  @Test func aRequestThatCanNoLongerFinishIsNotExecutedAndExpiresAtItsDeadline() {
    var queue = queue(BatchingPolicy(maxBatchSize: 8, maxQueueDelay: .milliseconds(2)))
    _ = queue.enqueue(QueuedRequest(id: 1, rows: 1, deadline: at(5)), now: at(0))
    _ = queue.enqueue(QueuedRequest(id: 2, rows: 1), now: at(0))
    queue.recordCompletion(rows: 1, duration: .milliseconds(10))  // 10 ms a row: request 1 cannot make it
    #expect(queue.nextBatch(now: at(2), idleInstances: 1) == [2])
    #expect(queue.nextBatch(now: at(3), idleInstances: 1) == nil)
    // Its queue delay has passed, but only its deadline is left to wait for: no spinning.
    #expect(queue.nextWakeup(now: at(3), idleInstances: 1) == at(5))
    #expect(queue.expire(now: at(5)) == [1])
  }
}

