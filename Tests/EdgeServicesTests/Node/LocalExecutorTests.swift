import EdgeCluster
import EdgeExecutorService
import EdgeNodeService
import EdgeRouterService
import EdgeServer
import Testing

/// Batches shorter than a thread hop run where they are; the rest, and any model not yet
/// measured, go to the executor's queue.
@Suite struct LocalExecutorTests {
  @Test func onlyMeasuredShortBatchesRunInline() {
    #expect(!LocalExecutor.runsInline(expected: nil))
    #expect(LocalExecutor.runsInline(expected: .microseconds(10)))
    #expect(!LocalExecutor.runsInline(expected: LocalExecutor.inlineLimit))
    #expect(!LocalExecutor.runsInline(expected: .milliseconds(20)))
  }
}
