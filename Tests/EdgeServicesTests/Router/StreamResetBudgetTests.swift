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
    let (started, start) = AsyncStream<Void>.makeStream()
    let (finished, finish) = AsyncStream<Int>.makeStream()
    let release = AsyncStream<Void>.makeStream()
    let waiter = Task {
      try await DetachableCall.run {
        start.yield()
        for await _ in release.stream {}
        finish.yield(1)
        return 1
      } mayCancel: { false }
    }
    for await _ in started { break }
    waiter.cancel()
    await #expect(throws: CancellationError.self) { try await waiter.value }
    // The call was left to run: it finishes once let go.
    release.continuation.finish()
    var iterator = finished.makeAsyncIterator()
    #expect(await iterator.next() == 1)

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
    let (started, start) = AsyncStream<Void>.makeStream()
    let (orphans, orphan) = AsyncStream<Int>.makeStream()
    let release = AsyncStream<Void>.makeStream()
    let waiter = Task {
      try await DetachableCall.run {
        start.yield()
        for await _ in release.stream {}
        return 7
      } mayCancel: { false } orphaned: { orphan.yield($0) }
    }
    for await _ in started { break }
    waiter.cancel()
    await #expect(throws: CancellationError.self) { try await waiter.value }
    release.continuation.finish()
    var iterator = orphans.makeAsyncIterator()
    #expect(await iterator.next() == 7)

    let answered = try await DetachableCall.run({ 8 }, mayCancel: { true }, orphaned: { orphan.yield($0) })
    #expect(answered == 8)
    orphan.finish()
    #expect(await iterator.next() == nil)
  }

  @Test func aCallNotStartedBeforeItsCallerLeftNeverStarts() async {
    let ran = Mutex(false)
    let waiter = Task {
      withUnsafeCurrentTask { $0?.cancel() }
      return try await DetachableCall.run({ ran.withLock { $0 = true }; return 1 }, mayCancel: { false })
    }
    await #expect(throws: CancellationError.self) { try await waiter.value }
    #expect(ran.withLock { $0 } == false)
  }

  @Test func onlyACallerWhoLeftBeforeTheDeadlinePaysForALateAnswer() {
    let left = Settlement()
    #expect(!left.chargesLateAnswers)
    left.callerLeftBeforeDeadline()
    #expect(left.chargesLateAnswers)
    // Once answered, another attempt's late answer is the router's extra.
    left.end()
    #expect(!left.chargesLateAnswers)
  }
}
