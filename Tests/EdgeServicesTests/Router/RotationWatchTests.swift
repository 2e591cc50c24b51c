import EdgeServices
import Testing

/// One rotation check for every request waiting on a node.
@Suite struct RotationWatchTests {
  @Test func aCheckWakesOnlyTheRequestsWhoseNodeLeft() async {
    let watch = RotationWatch()
    await withTaskGroup(of: String.self) { group in
      group.addTask {
        await watch.waitUntilOut("a")
        return "a"
      }
      group.addTask {
        await watch.waitUntilOut("b")
        return "b"
      }
      while watch.waiting < 2 { await Task.yield() }
      watch.check { $0 != "a" }
      #expect(await group.next() == "a")
      #expect(watch.waiting == 1)
      watch.check { _ in true }
      #expect(watch.waiting == 1)
      group.cancelAll()
      #expect(await group.next() == "b")
      #expect(watch.waiting == 0)
    }
  }

  @Test func aCancelledRequestStopsWaitingAtOnceAndLeavesNothingBehind() async {
    let watch = RotationWatch()
    let cancelledFirst = Task {
      withUnsafeCurrentTask { $0?.cancel() }
      await watch.waitUntilOut("a")
    }
    await cancelledFirst.value
    let cancelledLater = Task { await watch.waitUntilOut("a") }
    while watch.waiting < 1 { await Task.yield() }
    cancelledLater.cancel()
    await cancelledLater.value
    #expect(watch.waiting == 0)
  }
}
