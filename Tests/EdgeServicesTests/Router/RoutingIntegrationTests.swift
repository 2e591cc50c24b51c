import EdgeClient
import EdgeProto
import EdgeRouting
import EdgeSecurity
import EdgeCluster
import EdgeExecutorService
import EdgeNodeService
import EdgeRouterService
import EdgeServer
import GRPCCore
import SwiftProtobuf
import Testing

/// A router and two nodes over TLS on loopback: requests go to the nearest node, and when a
/// node stops the same clients are served by the next nearest without a failed request.
@Suite(.serialized) struct RoutingIntegrationTests {
  @Test func routesEachClientToTheNearestNodeAndFailsOverWhenOneStops() async throws {
    let cluster = try TestCluster()
    await cluster.start()
    try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris)
    try await cluster.startNode("node-2", region: "us-east", at: TestCluster.newYork)

    try await EdgeInferenceClient.withClient(cluster.clientConfiguration()) { client in
      let fromLondon = try await client.infer(model: "digits", inputs: [DigitsFixture.tensor(rows: 0..<1)], location: TestCluster.london)
      #expect(fromLondon.node == "node-1")
      #expect(fromLondon.region == "eu-west")
      #expect(abs((fromLondon.distanceKilometres ?? 0) - 343.6) < 1)
      #expect(fromLondon.output("class")?.int64s == [Int64(DigitsFixture.split.labels[0])])
      #expect(fromLondon.routeMicroseconds != nil)
      #expect(fromLondon.computeMicroseconds != nil)
      #expect(fromLondon.attempts == 1)
      // Typed as the node and router sent them, and each once (the router appends only its own).
      #expect(fromLondon.parameters["edge_route_us"] == fromLondon.routeMicroseconds.map(ParameterValue.int64))
      #expect(fromLondon.parameters["edge_node"] == .string("node-1"))

      let fromBoston = try await client.infer(model: "digits", inputs: [DigitsFixture.tensor(rows: 1..<2)], location: TestCluster.boston)
      #expect(fromBoston.node == "node-2")

      // Without a location the router routes from its own (Frankfurt): Paris is nearer.
      #expect(try await client.infer(model: "digits", inputs: [DigitsFixture.tensor(rows: 2..<3)]).node == "node-1")

      await cluster.stopNode("node-1")
      // Straight after the stop, before any heartbeat could expire: London fails over.
      for row in 3..<13 {
        let result = try await client.infer(model: "digits", inputs: [DigitsFixture.tensor(rows: row..<row + 1)], location: TestCluster.london)
        #expect(result.node == "node-2")
        #expect(result.output("class")?.int64s?.count == 1)
      }
    }
    // The stopped node also leaves the registry's rotation once its heartbeats expire.
    try await cluster.waitUntil { !cluster.router.view.snapshot().contains { $0.descriptor.id == "node-1" && $0.isHealthy } }
    await cluster.stop()
  }

  @Test func aNodeThatReturnsIsRoutedToAgain() async throws {
    let cluster = try TestCluster()
    await cluster.start()
    try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris)
    try await cluster.startNode("node-2", region: "us-east", at: TestCluster.newYork)
    await cluster.stopNode("node-1")
    try await EdgeInferenceClient.withClient(cluster.clientConfiguration(location: TestCluster.london)) { client in
      #expect(try await client.infer(model: "digits", inputs: [DigitsFixture.tensor(rows: 0..<1)]).node == "node-2")
      try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris)
      try await cluster.waitUntil {
        try await client.infer(model: "digits", inputs: [DigitsFixture.tensor(rows: 0..<1)]).node == "node-1"
      }
    }
    await cluster.stop()
  }

  @Test func metadataConfigAndReadinessComeFromANodeWithTheModel() async throws {
    let cluster = try TestCluster()
    await cluster.start()
    try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris)
    try await EdgeInferenceClient.withClient(cluster.clientConfiguration()) { client in
      let signature = try await client.modelSignature(model: "digits")
      #expect(signature.inputs.map(\.shape) == [[-1, 64]])
      #expect(signature.outputs.map(\.name) == ["probabilities", "class"])
      #expect(try await client.serverReady())
      #expect(try await client.modelReady(model: "digits"))
      #expect(try await !client.modelReady(model: "nothing"))
      let nodes = try await client.nodes()
      #expect(nodes.map(\.id) == ["node-1"])
      #expect(nodes.first?.models == ["digits:1"])
    }
    try await RawClient.with(cluster.routerAddresses.clients, security: cluster.pki.identity("client").clientSecurity()) { raw in
      let inference = Inference_GRPCInferenceService.Client(wrapping: raw)
      let config = try await inference.modelConfig(.with { $0.name = "digits" }, options: RawClient.shortCall)
      #expect(config.config.maxBatchSize == 64)
      let stats = try await inference.modelStatistics(.with { $0.name = "digits" }, options: RawClient.shortCall)
      #expect(stats.modelStats.first?.name == "digits")
      let index = try await inference.repositoryIndex(Inference_RepositoryIndexRequest(), options: RawClient.shortCall)
      #expect(index.models.map(\.name) == ["digits"])
      let health = try await Grpc_Health_V1_Health.Client(wrapping: raw).check(.with { $0.service = "" }, options: RawClient.shortCall)
      #expect(health.status == .serving)
      let route = try await Edgeinfer_V1_Registry.Client(wrapping: raw).route(
        .with {
          $0.modelName = "digits"
          $0.clientLocation = .with { $0.latitude = 40.7; $0.longitude = -74 }
        }, options: RawClient.shortCall)
      #expect(route.nodes.map(\.nodeID) == ["node-1"])
    }
    await cluster.stop()
  }

  /// The embedded model's accuracy on its held-out split, served by a running node over TLS.
  @Test func digitsAccuracyThroughTheRunningNode() async throws {
    let cluster = try TestCluster()
    await cluster.start()
    let node = try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris)
    let address = await node.listeningAddress()
    let split = DigitsFixture.split
    var correct = 0
    try await EdgeInferenceClient.withClient(cluster.clientConfiguration(to: address)) { client in
      for start in stride(from: 0, to: split.labels.count, by: 64) {
        let rows = start..<min(start + 64, split.labels.count)
        let result = try await client.infer(model: "digits", inputs: [DigitsFixture.tensor(rows: rows)], outputs: ["class"])
        #expect(result.node == "node-1")
        for (offset, predicted) in (result.output("class")?.int64s ?? []).enumerated() where Int(predicted) == split.labels[start + offset] {
          correct += 1
        }
      }
    }
    let accuracy = Double(correct) / Double(split.labels.count)
    #expect(accuracy > 0.95, "accuracy \(accuracy)")
    await cluster.stop()
  }
}

/// The router's active grpc.health.v1 checks: round trips sampled for the estimate, and a node
/// that says NOT_SERVING benched while its heartbeats still arrive.
@Suite(.serialized, .timeLimit(.minutes(1))) struct HealthProberIntegrationTests {
  @Test func checksSampleRoundTripsAndBenchANodeThatStopsServing() async throws {
    let cluster = try TestCluster()
    await cluster.start()
    let paris = try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris)
    try await cluster.startNode("node-2", region: "us-east", at: TestCluster.newYork)
    try await cluster.waitUntil { cluster.router.view.observation(of: "node-1")?.roundTrip != nil }

    paris.health.setAllNotServing()
    try await cluster.waitUntil { !cluster.router.view.healthyNodes().contains { $0.id == "node-1" } }
    try await EdgeInferenceClient.withClient(cluster.clientConfiguration(location: TestCluster.london)) { client in
      let result = try await client.infer(model: "digits", inputs: [DigitsFixture.tensor(rows: 0..<1)])
      #expect(result.node == "node-2")
    }
    await cluster.stop()
  }
}

/// x-edge-route through a running router.
@Suite(.serialized, .timeLimit(.minutes(1))) struct RouteModeIntegrationTests {
  @Test func pinnedAndBackgroundRequestsAndABadModeThroughTheRouter() async throws {
    let cluster = try TestCluster()
    await cluster.start()
    try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris)
    try await cluster.startNode("node-2", region: "us-east", at: TestCluster.newYork)
    let identity = cluster.pki.identity("client")
    try await RawClient.with(cluster.routerAddresses.clients, security: identity.clientSecurity()) { client throws in
      let stub = Inference_GRPCInferenceService.Client(wrapping: client)
      let request = DigitsFixture.request(rows: 0..<1)
      func node(_ route: String?) async throws -> String? {
        var metadata: Metadata = ["x-edge-location": "51.5074,-0.1278"]
        if let route { metadata.addString(route, forKey: "x-edge-route") }
        let response = try await stub.modelInfer(request, metadata: metadata, options: RawClient.shortCall)
        return response.parameters["edge_node"]?.stringParam
      }
      let nearest = try await node(nil)
      let pinned = try await node("pin:node-2")
      let background = try await node("background")
      #expect(nearest == "node-1")
      #expect(pinned == "node-2")
      #expect(background != nil)
      await #expect(throws: RPCError.self) {
        do {
          _ = try await node("pin:node-9")
        } catch let error as RPCError {
          #expect(error.code == .unavailable)
          throw error
        }
      }
      await #expect(throws: RPCError.self) {
        do {
          _ = try await node("fastest")
        } catch let error as RPCError {
          #expect(error.code == .invalidArgument)
          throw error
        }
      }
    }
    await cluster.stop()
  }
}

/// x-edge-hedge: a second attempt to the next node after the delay; the first answer wins.
@Suite(.serialized, .timeLimit(.minutes(1))) struct HedgingIntegrationTests {
  @Test func aHedgedRequestIsAnsweredByTheNextNodeWhenTheNearestIsSlow() async throws {
    let cluster = try TestCluster()
    await cluster.start()
    // Paris answers, but only after its 1.5 s batching delay.
    let slow = try cluster.slowRepository(queueDelay: .milliseconds(1500))
    try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris, repository: slow)
    try await cluster.startNode("node-2", region: "us-east", at: TestCluster.newYork)
    let identity = cluster.pki.identity("client")
    try await RawClient.with(cluster.routerAddresses.clients, security: identity.clientSecurity()) { client throws in
      let stub = Inference_GRPCInferenceService.Client(wrapping: client)
      let request = DigitsFixture.request(rows: 0..<1)
      func send(hedge: String?) async throws -> Inference_ModelInferResponse {
        var metadata: Metadata = ["x-edge-location": "51.5074,-0.1278"]
        if let hedge { metadata.addString(hedge, forKey: "x-edge-hedge") }
        return try await stub.modelInfer(request, metadata: metadata, options: RawClient.shortCall)
      }
      let hedged = try await send(hedge: "50")
      #expect(hedged.parameters["edge_node"]?.stringParam == "node-2")
      #expect(hedged.parameters["edge_attempts"]?.int64Param == 2)
      #expect(cluster.router.metrics.snapshot().hedges == 1)
      // Without the header, no hedge (on a loaded machine the estimate may prefer either node,
      // and a health check that outlasts its timeout there may rescue the request: a second
      // attempt, but not a hedge).
      let before = cluster.router.metrics.snapshot()
      let patient = try await send(hedge: nil)
      let after = cluster.router.metrics.snapshot()
      #expect(after.hedges == before.hedges)
      let retries = Int64(after.rescues - before.rescues + after.failovers - before.failovers)
      #expect(patient.parameters["edge_attempts"]?.int64Param == 1 + retries, "\(patient.parameters) \(after)")
      await #expect(throws: RPCError.self) {
        do {
          _ = try await send(hedge: "soon")
        } catch let error as RPCError {
          #expect(error.code == .invalidArgument)
          throw error
        }
      }
    }
    await cluster.stop()
  }

  @Test func aRequestWaitingOnANodeThatLeavesTheRotationIsSentToTheNext() async throws {
    let cluster = try TestCluster()
    await cluster.start()
    // Paris takes the request and holds it for 4 s, as a hung node would.
    let slow = try cluster.slowRepository(queueDelay: .seconds(4))
    try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris, repository: slow)
    try await cluster.startNode("node-2", region: "us-east", at: TestCluster.newYork)
    let identity = cluster.pki.identity("client")
    try await RawClient.with(cluster.routerAddresses.clients, security: identity.clientSecurity()) { client throws in
      let stub = Inference_GRPCInferenceService.Client(wrapping: client)
      var options = CallOptions.defaults
      options.timeout = .seconds(10)
      let waiting = Task {
        try await stub.modelInfer(DigitsFixture.request(rows: 0..<1), metadata: ["x-edge-location": "51.5074,-0.1278"], options: options)
      }
      // The request is with node-1 when a health check fails it.
      try await cluster.waitUntil { (cluster.nodes["node-1"]?.node.status(advertising: "").load.inFlight ?? 0) > 0 }
      cluster.router.view.failCheck("node-1")
      let response = try await waiting.value
      #expect(response.parameters["edge_node"]?.stringParam == "node-2")
      #expect(response.parameters["edge_attempts"]?.int64Param == 2)
      #expect(cluster.router.metrics.snapshot().rescues == 1)
    }
    await cluster.stop()
  }

  @Test func aRefusalForLoadReachesTheCallerWithItsPushback() async throws {
    let cluster = try TestCluster()
    await cluster.start()
    // One node, room for one request, which it holds for 4 s.
    let slow = try cluster.slowRepository(queueDelay: .seconds(4))
    try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris, repository: slow, capacity: 1)
    let identity = cluster.pki.identity("client")
    try await RawClient.with(cluster.routerAddresses.clients, security: identity.clientSecurity()) { client throws in
      let stub = Inference_GRPCInferenceService.Client(wrapping: client)
      var options = CallOptions.defaults
      options.timeout = .seconds(10)
      let holding = Task { try await stub.modelInfer(DigitsFixture.request(rows: 0..<1), options: options) }
      try await cluster.waitUntil { (cluster.nodes["node-1"]?.node.status(advertising: "").load.inFlight ?? 0) > 0 }
      // Every node refused for load: RESOURCE_EXHAUSTED with the node's pushback, not an
      // UNAVAILABLE that clients would retry at once.
      do {
        _ = try await stub.modelInfer(DigitsFixture.request(rows: 0..<1), options: options)
        Issue.record("a node at capacity took a second request")
      } catch let error as RPCError {
        #expect(error.code == .resourceExhausted, "\(error)")
        #expect(error.metadata[stringValues: "grpc-retry-pushback-ms"].contains { (Int($0) ?? 0) > 0 })
      }
      holding.cancel()
      _ = await holding.result
    }
    await cluster.stop()
  }
}
