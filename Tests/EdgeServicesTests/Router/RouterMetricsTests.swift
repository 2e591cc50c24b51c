import EdgeClient
import EdgeRouting
import EdgeSecurity
import EdgeCluster
import EdgeExecutorService
import EdgeNodeService
import EdgeRouterService
import EdgeServer
import Testing

/// The router's counters and panic state, through ListNodes and the Prometheus endpoint.
@Suite(.serialized) struct RouterMetricsTests {
  @Test func countersAndPanicAreVisibleInListNodesAndOnTheMetricsPage() async throws {
    let cluster = try TestCluster()
    await cluster.start()
    try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris)
    try await cluster.startNode("node-2", region: "us-east", at: TestCluster.newYork)
    let metrics = try #require(cluster.routerAddresses.metrics)

    try await EdgeInferenceClient.withClient(cluster.clientConfiguration(location: TestCluster.london)) { client in
      for row in 0..<3 { _ = try await client.infer(model: "digits", inputs: [DigitsFixture.tensor(rows: row..<row + 1)]) }
      let stats = try await client.routerStats()
      #expect(stats.routerID == "router")
      #expect(stats.requests == 3)
      #expect(stats.attempts == 3)
      #expect(stats.failovers == 0 && stats.unrouted == 0)
      #expect(!stats.panic)
      #expect(stats.nodesInRotation == 2 && stats.nodesLive == 2)

      let page = try HTTPGet.fetch(metrics, path: "/metrics")
      #expect(page.status == 200)
      #expect(page.body.contains("edge_router_requests_total{router=\"router\"} 3\n"))
      #expect(page.body.contains("edge_router_attempts_total{router=\"router\"} 3\n"))
      #expect(page.body.contains("edge_router_panic{router=\"router\"} 0\n"))
      #expect(page.body.contains("edge_router_node_in_rotation{router=\"router\",node=\"node-1\",region=\"eu-west\"} 1\n"))
      #expect(page.body.contains("# TYPE edge_router_failovers_total counter\n"))

      // Both nodes fail a health check: none of two in rotation is below half, a panic. (Failed
      // again before each look: passing checks bring a node back after a second.)
      func failBoth() {
        cluster.router.view.failCheck("node-1")
        cluster.router.view.failCheck("node-2")
      }
      failBoth()
      #expect(try await client.routerStats().panic)
      failBoth()
      let panicking = try HTTPGet.fetch(metrics, path: "/metrics").body
      #expect(panicking.contains("edge_router_panic{router=\"router\"} 1\n"))
      #expect(panicking.contains("edge_router_nodes_in_rotation{router=\"router\"} 0\n"))
      // Failing open, the router still serves from the live nodes (which one is the selector's
      // business, tested on its own: a busy machine's round trips can make either the better).
      failBoth()
      let served = try await client.infer(model: "digits", inputs: [DigitsFixture.tensor(rows: 0..<1)])
      #expect(["node-1", "node-2"].contains(served.node))
      #expect(served.output("class")?.int64s == [Int64(DigitsFixture.split.labels[0])])
    }
    #expect(try HTTPGet.fetch(metrics, path: "/").status == 404)
    #expect(try HTTPGet.fetch(metrics, path: "/metrics", method: "DELETE").status == 405)
    await cluster.stop()
  }

  @Test func labelValuesAreEscaped() throws {
    let node = NodeDescriptor(
      id: "a\"b\\c\nd", address: "x:1", region: "r", location: try GeoPoint(latitude: 0, longitude: 0), models: [])
    let text = MetricsExposition.render(
      routerID: "r", counts: RouterMetrics.Snapshot(), rotation: (0, 1, false),
      nodes: [NodeHealth(descriptor: node, isHealthy: false, heartbeatAge: .zero)])
    #expect(text.contains("node=\"a\\\"b\\\\c\\nd\",region=\"r\"} 0\n"))
    #expect(text.split(separator: "\n").allSatisfy { $0.hasPrefix("#") || $0.hasPrefix("edge_router_") })
  }
}
