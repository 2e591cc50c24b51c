import EdgeCluster
import EdgeExecutorService
import EdgeNodeService
import EdgeRouterService
import EdgeServer
import Testing

/// One check on the router's clock for every request waiting on a node.
@Suite struct AttemptWatchTests {
  @Test func aCheckWakesOnlyTheRequestsWhoseNodeLeftOrWhoseDeadlinePassed() async {
    let watch = AttemptWatch()
    let now = ContinuousClock.now
    await withTaskGroup(of: (String, AttemptWatch.Wake).self) { group in
      group.addTask { ("a", await watch.wait(on: "a", until: now + .seconds(60))) }
      group.addTask { ("b", await watch.wait(on: "b", until: now + .seconds(60))) }
      group.addTask { ("late", await watch.wait(on: "b", until: now + .seconds(1))) }
      while watch.waiting < 3 { try? await Task.sleep(for: .milliseconds(1)) }
      watch.check(now: now) { $0 != "a" }
      let first = await group.next()
      #expect(first?.0 == "a" && first?.1 == .leftRotation)
      #expect(watch.waiting == 2)
      watch.check(now: now + .seconds(1)) { _ in true }
      let second = await group.next()
      #expect(second?.0 == "late" && second?.1 == .deadlinePassed)
      #expect(watch.waiting == 1)
      group.cancelAll()
      let third = await group.next()
      #expect(third?.0 == "b" && third?.1 == .cancelled)
      #expect(watch.waiting == 0)
    }
  }

  @Test func aCancelledRequestStopsWaitingAtOnceAndLeavesNothingBehind() async {
    let watch = AttemptWatch()
    let cancelledFirst = Task {
      withUnsafeCurrentTask { $0?.cancel() }
      return await watch.wait(on: "a", until: .now + .seconds(60))
    }
    #expect(await cancelledFirst.value == .cancelled)
    let cancelledLater = Task { await watch.wait(on: "a", until: .now + .seconds(60)) }
    while watch.waiting < 1 { try? await Task.sleep(for: .milliseconds(1)) }
    cancelledLater.cancel()
    #expect(await cancelledLater.value == .cancelled)
    #expect(watch.waiting == 0)
  }
}
