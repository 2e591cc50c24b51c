@testable import EdgeCluster
@testable import EdgeExecutorService
@testable import EdgeNodeService
@testable import EdgeRouterService
@testable import EdgeServer
import Synchronization
import Testing

/// Cancelled requests never reset a node's connection at the rate HTTP/2 servers close it for.
@Suite struct StreamResetBudgetTests {
  @Test func aCancellationAtTheDeadlineNeverResets() {
    var budget = StreamResetBudget()
    let now = ContinuousClock.now
    let atDeadline = budget.mayReset(node: "a", deadline: now, at: now)
    let withinMargin = budget.mayReset(node: "a", deadline: now + .milliseconds(9), at: now)
    let early = budget.mayReset(node: "a", deadline: now + .milliseconds(11), at: now)
    #expect(!atDeadline && !withinMargin && early)
  }

  @Test func resetsPerNodeStayUnderNIOsLimitOf200In30Seconds() {
    var budget = StreamResetBudget()
    let start = ContinuousClock.now
    let deadline = start + .seconds(3600)
    // A client cancelling 1,000 requests a second for 30 s.
    var granted = ["a": 0, "b": 0]
    for millisecond in 0..<30_000 {
      let now = start + .milliseconds(millisecond)
      if budget.mayReset(node: "a", deadline: deadline, at: now) { granted["a", default: 0] += 1 }
      if millisecond % 2 == 0, budget.mayReset(node: "b", deadline: deadline, at: now) { granted["b", default: 0] += 1 }
    }
    #expect(granted["a"]! < 200 && granted["a"]! >= 150)
    #expect(granted["b"]! < 200 && granted["b"]! >= 150)
    // Forgotten nodes start again with a full burst.
    budget.retain(["b"])
    let fresh = budget.mayReset(node: "a", deadline: deadline, at: start + .seconds(30))
    #expect(fresh)
  }

  @Test func aDetachedCallEndsItsWaitAtOnceAndRunsOnWhenNotCancelled() async throws {
    let finished = Mutex(false)
    let release = AsyncStream<Void>.makeStream()
    let waiter = Task {
      try await DetachableCall.run {
        for await _ in release.stream {}
        finished.withLock { $0 = true }
        return 1
      } mayCancel: { false }
    }
    waiter.cancel()
    await #expect(throws: CancellationError.self) { try await waiter.value }
    // The call was left to run: it finishes once let go.
    let finishedEarly = finished.withLock { $0 }
    #expect(!finishedEarly)
    release.continuation.finish()
    while !finished.withLock({ $0 }) { await Task.yield() }

    let resetting = Task {
      try await DetachableCall.run {
        try await Task.sleep(for: .seconds(60))
        return 2
      } mayCancel: { true }
    }
    resetting.cancel()
    await #expect(throws: CancellationError.self) { try await resetting.value }
    #expect(try await DetachableCall.run({ 3 }, mayCancel: { true }) == 3)
  }

  @Test func anAnswerAfterTheCallerLeftIsHandedOnAndAnAnsweredOneIsNot() async throws {
    let orphans = Mutex<[Int]>([])
    let release = AsyncStream<Void>.makeStream()
    let waiter = Task {
      try await DetachableCall.run {
        for await _ in release.stream {}
        return 7
      } mayCancel: { false } orphaned: { value in orphans.withLock { $0.append(value) } }
    }
    waiter.cancel()
    await #expect(throws: CancellationError.self) { try await waiter.value }
    release.continuation.finish()
    while orphans.withLock({ $0.isEmpty }) { await Task.yield() }
    #expect(orphans.withLock { $0 } == [7])

    let answered = try await DetachableCall.run({ 8 }, mayCancel: { true }, orphaned: { value in orphans.withLock { $0.append(value) } })
    #expect(answered == 8)
    #expect(orphans.withLock { $0 } == [7])
  }

  @Test func onlyACallerWhoLeftBeforeTheDeadlinePaysForALateAnswer() {
    let left = Settlement()
    #expect(!left.chargesLateAnswers)
    left.callerLeftBeforeDeadline()
    #expect(left.chargesLateAnswers)
    // Once answered, another attempt's late answer is the router's extra.
    left.answer()
    #expect(!left.chargesLateAnswers)
  }
}
