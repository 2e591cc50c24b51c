import EdgeClient
import EdgeRouterService
import EdgeRouting
import GRPCCore
import Testing

/// The router counts its own attempts in flight at each node into the queue it sheds by
/// (NodeLoadReport.with(outstanding:)); an attempt stops counting when the node is done with it,
/// answered or abandoned by its caller, so the count never drifts up.
@Suite(.serialized) struct OutstandingAttemptsTests {
  @Test func attemptsCountUntilTheNodeIsDoneWithThem() async throws {
    let cluster = try TestCluster()
    await cluster.start()
    // Batches wait 800 ms to fill: calls stay at the node long enough to be seen.
    try await cluster.startNode(
      "node-1", region: "eu-west", at: TestCluster.paris, repository: try cluster.slowRepository(queueDelay: .milliseconds(800)))
    @Sendable func depth() -> Int {
      cluster.router.view.rank(model: "digits", version: "", from: nil).first?.node.load.queueDepth ?? -1
    }
    #expect(depth() == 0)
    try await EdgeInferenceClient.withClient(cluster.clientConfiguration()) { client in
      let calls = (0..<3).map { row in
        Task { try await client.infer(model: "digits", inputs: [DigitsFixture.tensor(rows: row..<row + 1)]) }
      }
      try await cluster.waitUntil { depth() >= 3 }
      for call in calls { _ = try await call.value }
    }
    try await cluster.waitUntil { depth() == 0 }

    // A caller that gives up first: its attempt counts until the node answers, then not.
    var impatient = cluster.clientConfiguration()
    impatient.timeout = .milliseconds(200)
    try await EdgeInferenceClient.withClient(impatient) { client in
      await #expect(throws: RPCError.self) { try await client.infer(model: "digits", inputs: [DigitsFixture.tensor(rows: 0..<1)]) }
    }
    try await cluster.waitUntil { depth() == 0 }
    await cluster.stop()
  }
}
