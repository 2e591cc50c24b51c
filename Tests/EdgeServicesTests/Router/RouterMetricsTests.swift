import EdgeClient
import EdgeRouting
import EdgeSecurity
import EdgeCluster
import EdgeExecutorService
import EdgeNodeService
@testable import EdgeRouterService
import EdgeServer
import CoreMetrics
import EdgeObservability
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

      let page = try await HTTPGet.fetch(metrics, path: "/metrics")
      #expect(page.status == 200)
      // Inference requests by model and status, with their times; attempts by kind, selections
      // by node; the process's own figures.
      #expect(page.body.contains("edge_router_requests_total{model=\"digits\",code=\"OK\"} 3\n"))
      #expect(page.body.contains("edge_router_request_seconds_count{model=\"digits\"} 3\n"))
      #expect(page.body.contains("edge_router_routing_seconds_count{model=\"digits\"} 3\n"))
      #expect(page.body.contains("edge_router_attempts_total{kind=\"first\"} 3\n"))
      #expect(page.body.contains("edge_router_failovers_total 0\n"))
      #expect(page.body.contains("edge_router_panic 0.0\n"))
      #expect(page.body.contains("edge_router_node_in_rotation{node=\"node-1\",region=\"eu-west\"} 1.0\n"))
      #expect(page.body.contains("edge_router_info{router=\"router\",region=\"\"} 1.0\n"))
      #expect(page.body.contains("# TYPE edge_router_failovers_total counter\n"))
      #expect(page.body.contains("# HELP edge_router_requests_total Inference requests answered"))
      #expect(page.body.contains("# TYPE process_cpu_seconds_total counter\n"))
      #expect(page.body.contains("process_resident_memory_bytes "))
      let selections = page.body.split(separator: "\n").filter { $0.hasPrefix("edge_router_node_selections_total{") }
      #expect(selections.compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +) == 3)
      // Metadata calls are not inference requests; a name no node serves is counted unlabelled,
      // so clients cannot mint label values.
      _ = try await client.modelSignature(model: "digits")
      await #expect(throws: (any Error).self) {
        _ = try await client.infer(model: "no-such-model-\(UInt64.random(in: 0...UInt64.max))", inputs: [DigitsFixture.tensor(rows: 0..<1)])
      }
      let after = try await HTTPGet.fetch(metrics, path: "/metrics").body
      #expect(after.contains("edge_router_requests_total{model=\"digits\",code=\"OK\"} 3\n"))
      #expect(after.contains("edge_router_requests_total{model=\"\",code=\"NOT_FOUND\"} 1\n"))
      #expect(!after.contains("no-such-model"))

      // Both nodes fail a health check: none of two in rotation is below half, a panic. (Failed
      // again before each look: passing checks bring a node back after a second.)
      func failBoth() {
        cluster.router.view.failCheck("node-1")
        cluster.router.view.failCheck("node-2")
      }
      failBoth()
      #expect(try await client.routerStats().panic)
      failBoth()
      let panicking = try await HTTPGet.fetch(metrics, path: "/metrics").body
      #expect(panicking.contains("edge_router_panic 1.0\n"))
      #expect(panicking.contains("edge_router_nodes_in_rotation 0.0\n"))
      // Failing open, the router still serves from the live nodes (which one is the selector's
      // business, tested on its own: a busy machine's round trips can make either the better).
      failBoth()
      let served = try await client.infer(model: "digits", inputs: [DigitsFixture.tensor(rows: 0..<1)])
      #expect(["node-1", "node-2"].contains(served.node))
      #expect(served.output("class")?.int64s == [Int64(DigitsFixture.split.labels[0])])
    }
    #expect(try await HTTPGet.fetch(metrics, path: "/").status == 404)
    #expect(try await HTTPGet.fetch(metrics, path: "/metrics", method: "DELETE").status == 405)
    await cluster.stop()
  }

  /// Label values that hold the exposition format's special characters are escaped.
  @Test func labelValuesAreEscaped() throws {
    let family = MetricFamily("edge_test_info", .gauge, help: "A test family.")
    let metrics = ServiceMetrics(families: [family])
    metrics.gauge(family, [("node", "a\"b\\c\nd"), ("region", "r")]).record(0)
    let text = String(decoding: metrics.render(), as: UTF8.self)
    #expect(text.contains("edge_test_info{node=\"a\\\"b\\\\c\\nd\",region=\"r\"} 0.0\n"))
    #expect(text.split(separator: "\n").allSatisfy { $0.hasPrefix("#") || $0.hasPrefix("edge_test_") || $0.hasPrefix("edge_build_info") || $0.hasPrefix("process_") })
  }

  /// A bare port binds loopback; an address is taken as it is.
  @Test func aBarePortListensOnLoopback() throws {
    #expect(try ServiceAddress(listener: "9464") == ServiceAddress(host: "127.0.0.1", port: 9464))
    #expect(try ServiceAddress(listener: "0.0.0.0:9464") == ServiceAddress(host: "0.0.0.0", port: 9464))
    #expect(throws: ServiceAddressError.self) { try ServiceAddress(listener: "70000") }
    #expect(throws: ServiceAddressError.self) { try ServiceAddress(listener: "metrics") }
  }
}

/// The totals ListNodes reports are counted whether or not the page records: a router without a
/// metrics listener still reports its failovers, hedges and rescues.
@Suite struct RouterTotalsWithoutAPageTests {
  @Test func listNodesTotalsCountWithTheRecordingOff() {
    for recording in [false, true] {
      let metrics = EdgeRouterService.RouterMetrics(recording: recording)
      metrics.requestStarted()
      metrics.attemptLaunched(.first, node: "node-1")
      metrics.attemptLaunched(.failover, node: "node-2")
      metrics.attemptLaunched(.hedge, node: "node-1")
      metrics.attemptLaunched(.rescue, node: "node-3")
      metrics.requestShed()
      let totals = metrics.snapshot()
      #expect(totals.requests == 1 && totals.attempts == 4, "recording \(recording)")
      #expect(totals.failovers == 1 && totals.hedges == 1 && totals.rescues == 1 && totals.shed == 1, "recording \(recording)")
      let page = String(decoding: metrics.service.render(), as: UTF8.self)
      #expect(page.contains("edge_router_node_selections_total{node=\"node-1\"} 2") == recording, "recording \(recording)")
    }
  }
}
