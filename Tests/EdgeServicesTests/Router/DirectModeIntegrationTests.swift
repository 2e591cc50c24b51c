import EdgeClient
import EdgeRouting
import EdgeSecurity
import EdgeCluster
import EdgeExecutorService
import EdgeNodeService
import EdgeRouterService
import EdgeServer
import GRPCCore
import Testing

/// Clients that call nodes themselves from the router's ranking (direct mode), and clients and
/// nodes with several routers.
@Suite(.serialized) struct DirectModeIntegrationTests {
  @Test func directClientsCallTheRankedNodesAndFailOverDownTheList() async throws {
    let cluster = try TestCluster()
    await cluster.start()
    try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris)
    try await cluster.startNode("node-2", region: "us-east", at: TestCluster.newYork)
    var configuration = cluster.clientConfiguration(location: TestCluster.london)
    configuration.mode = .direct
    // The ranking is kept for the whole test, so the failover below is the client's own.
    configuration.routeRefresh = .seconds(600)

    try await EdgeInferenceClient.withClient(configuration) { client in
      let ranked = try await client.route(model: "digits")
      #expect(ranked.map(\.id) == ["node-1", "node-2"])
      #expect(abs((ranked.first?.distanceKilometres ?? 0) - 343.6) < 1)

      let first = try await client.infer(model: "digits", inputs: [DigitsFixture.tensor(rows: 0..<1)])
      #expect(first.node == "node-1")
      #expect(first.output("class")?.int64s == [Int64(DigitsFixture.split.labels[0])])
      // No router on the path: only a router adds the client's distance.
      #expect(first.distanceKilometres == nil)

      await cluster.stopNode("node-1")
      for row in 1..<11 {
        let result = try await client.infer(model: "digits", inputs: [DigitsFixture.tensor(rows: row..<row + 1)])
        #expect(result.node == "node-2")
        #expect(result.output("class")?.int64s == [Int64(DigitsFixture.split.labels[row])])
      }

      // A node's own answer is final: bad input is not tried elsewhere.
      let bad = InferTensor.fp32("pixels", shape: [1, 3], values: [1, 2, 3])
      await #expect(throws: RPCError.self) { try await client.infer(model: "digits", inputs: [bad]) }
      do {
        _ = try await client.infer(model: "digits", inputs: [bad])
      } catch let error as RPCError {
        #expect(error.code == .invalidArgument)
      }
      // A model no node serves is the router's NOT_FOUND, as for a routed call.
      do {
        _ = try await client.infer(model: "no-such-model", inputs: [DigitsFixture.tensor(rows: 0..<1)])
        Issue.record("an unknown model was served")
      } catch let error as RPCError {
        #expect(error.code == .notFound)
      }
    }
    await cluster.stop()
  }

  @Test func nodesRegisterWithEveryRouterAndClientsUseAnyThatAnswers() async throws {
    let cluster = try TestCluster()
    await cluster.start()
    let second = try await cluster.addRouter("router-2")
    try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris)
    try await cluster.waitUntil { second.view.healthyNodes().contains { $0.id == "node-1" } }

    // The first router listed is down (nothing listens on port 1): calls go to the next.
    let secondAddress = await second.listeningAddresses().clients
    var configuration = cluster.clientConfiguration(to: ServiceAddress(host: "127.0.0.1", port: 1), location: TestCluster.london)
    configuration.fallbackTargets = [secondAddress, cluster.routerAddresses.clients]
    for mode in [EdgeClientMode.routed, .direct] {
      configuration.mode = mode
      try await EdgeInferenceClient.withClient(configuration) { client in
        for row in 0..<3 {
          let result = try await client.infer(model: "digits", inputs: [DigitsFixture.tensor(rows: row..<row + 1)])
          #expect(result.node == "node-1")
        }
        #expect(try await client.nodes().map(\.id) == ["node-1"])
      }
    }
    await cluster.stop()
  }
}
