import EdgeClient
import EdgeCluster
import EdgeExecutorService
import EdgeNodeService
import EdgeObservability
import EdgeTestSupport
import EdgeRouterService
import EdgeSecurity
import EdgeServer
import EdgeProto
import GRPCCore
import Testing

/// The node's and the executor's metrics pages: per model and version, requests by status,
/// their times and rows, batch sizes, queue depth and in-flight gauges, loads and unloads; a
/// name no model has is never a label value.
@Suite(.serialized, .timeLimit(.minutes(2))) struct ServiceMetricsPagesTests {
  @Test func nodeAndExecutorPagesCountWhatTheyServed() async throws {
    let cluster = try TestCluster()
    await cluster.start()
    let executor = try await cluster.startExecutor(allowedPeers: ["node-1"])
    let node = try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris, executor: executor.address)
    let nodePage = try #require(await node.metricsAddress())
    let executorPage = try #require(await executor.executor.metricsAddress())

    try await EdgeInferenceClient.withClient(cluster.clientConfiguration(location: TestCluster.london)) { client in
      for row in 0..<3 { _ = try await client.infer(model: "digits", inputs: [DigitsFixture.tensor(rows: row..<row + 2)]) }
      // A request of the wrong shape is refused by the node's validation.
      await #expect(throws: RPCError.self) {
        _ = try await client.infer(model: "digits", inputs: [.fp32("pixels", shape: [1, 3], values: [0, 0, 0])])
      }
    }
    let page = try await HTTPGet.fetch(nodePage, path: "/metrics")
    #expect(page.status == 200)
    let text = page.body
    #expect(text.contains("edge_node_requests_total{model=\"digits\",version=\"1\",code=\"OK\"} 3\n"))
    #expect(text.contains("edge_node_requests_total{model=\"digits\",version=\"1\",code=\"INVALID_ARGUMENT\"} 1\n"))
    #expect(text.contains("edge_node_request_rows_total{model=\"digits\",version=\"1\"} 6\n"))
    #expect(text.contains("edge_node_request_seconds_count{model=\"digits\",version=\"1\"} 4\n"))
    #expect(text.contains("edge_node_queue_seconds_count{model=\"digits\",version=\"1\"} 3\n"))
    #expect(text.contains("edge_node_compute_seconds_count{model=\"digits\",version=\"1\"} 3\n"))
    #expect(text.contains("edge_node_batch_rows_sum{model=\"digits\",version=\"1\"} 6"))
    #expect(text.contains("edge_node_queue_depth{model=\"digits\",version=\"1\"} 0.0\n"))
    #expect(text.contains("edge_node_in_flight{model=\"digits\",version=\"1\"} 0.0\n"))
    #expect(text.contains("edge_node_capacity 16.0\n"))
    #expect(text.contains("edge_node_admitted 0.0\n"))
    #expect(text.contains("edge_node_info{node=\"node-1\",region=\"eu-west\"} 1.0\n"))
    #expect(text.contains("# TYPE edge_node_request_seconds histogram\n"))

    let executed = try await HTTPGet.fetch(executorPage, path: "/metrics").body
    #expect(executed.contains("edge_executor_batches_total{model=\"digits\",version=\"1\",code=\"OK\"} 3\n"))
    #expect(executed.contains("edge_executor_batch_seconds_count{model=\"digits\",version=\"1\"} 3\n"))
    #expect(executed.contains("edge_executor_batch_rows_sum{model=\"digits\",version=\"1\"} 6"))

    // Repository changes through the router's admin plane reach both pages.
    let admin = cluster.clientConfiguration(to: cluster.routerAddresses.cluster, identity: cluster.pki.identity("admin"))
    try await EdgeInferenceClient.withClient(admin) { try await $0.unloadModel("digits") }
    try await EdgeInferenceClient.withClient(admin) { try await $0.loadModel("digits") }
    let changed = try await HTTPGet.fetch(nodePage, path: "/metrics").body
    #expect(changed.contains("edge_node_model_unloads_total{model=\"digits\",outcome=\"unloaded\"} 1\n"))
    #expect(changed.contains("edge_node_model_loads_total{model=\"digits\",outcome=\"loaded\"} 1\n"))
    let executorChanged = try await HTTPGet.fetch(executorPage, path: "/metrics").body
    #expect(executorChanged.contains("edge_executor_model_unloads_total{model=\"digits\",outcome=\"unloaded\"} 1\n"))
    #expect(executorChanged.contains("edge_executor_model_loads_total{model=\"digits\",outcome=\"loaded\"} 1\n"))

    // A direct call to the node for a model it does not have: counted, never as a label.
    try await RawClient.with(node.listeningAddress(), security: cluster.pki.identity("router").clientSecurity()) { client in
      var request = DigitsFixture.request(rows: 0..<1)
      request.modelName = "no-such-model"
      await #expect(throws: RPCError.self) {
        _ = try await Inference_GRPCInferenceService.Client(wrapping: client).modelInfer(request, options: RawClient.shortCall)
      }
    }
    let last = try await HTTPGet.fetch(nodePage, path: "/metrics").body
    #expect(last.contains("edge_node_requests_total{model=\"\",version=\"\",code=\"NOT_FOUND\"} 1\n"))
    #expect(!last.contains("no-such-model"))
    await cluster.stop()
    executor.task.cancel()
    await TestCluster.awaitStop(of: executor.task, named: "executor")
  }

  /// Without a listener a node serves as before and records nothing (no page to read it).
  @Test func aNodeWithoutAListenerServesAndRecordsNothing() async throws {
    let cluster = try TestCluster()
    await cluster.start()
    let node = try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris, metrics: false)
    #expect(await node.metricsAddress() == nil)
    try await EdgeInferenceClient.withClient(cluster.clientConfiguration(location: TestCluster.london)) { client in
      let answer = try await client.infer(model: "digits", inputs: [DigitsFixture.tensor(rows: 0..<1)])
      #expect(answer.node == "node-1")
    }
    let page = String(decoding: node.metrics.service.render(), as: UTF8.self)
    #expect(!page.contains("edge_node_requests_total"))
    #expect(page.contains("edge_node_info{node=\"node-1\",region=\"eu-west\"} 1.0"))
    await cluster.stop()
  }

  /// A metrics port already taken fails the node's start with the listener's error, rather than
  /// a node that reports a page it does not have.
  @Test func aTakenMetricsPortFailsTheStart() async throws {
    let cluster = try TestCluster()
    await cluster.start()
    let first = try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris)
    let taken = try #require(await first.metricsAddress())
    var configuration = NodeConfiguration(
      identity: NodeIdentity(id: "node-2", region: "us-east", location: TestCluster.newYork),
      listen: ServiceAddress(host: "127.0.0.1", port: 0), repository: "\(cluster.folder.path)/models", routers: [],
      security: .tls(cluster.pki.identity("node-2")))
    configuration.metricsListen = taken
    let second = EdgeNode(configuration: configuration)
    await #expect(throws: (any Error).self) { try await second.run() }
    await cluster.stop()
  }
}
