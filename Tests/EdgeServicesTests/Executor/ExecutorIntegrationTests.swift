import EdgeClient
import EdgeProto
import EdgeRuntime
import EdgeSecurity
import EdgeCluster
import EdgeExecutorService
import EdgeNodeService
import EdgeRouterService
import EdgeServer
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing

/// A node whose batches run in a separate executor over mTLS: served normally; when the
/// executor dies the node answers UNAVAILABLE, so the router fails over with no failed request,
/// and reports its model not ready; when the executor is back, so is the node.
@Suite(.serialized, .timeLimit(.minutes(2))) struct ExecutorIntegrationTests {
  @Test func aNodeFailsOverWhileItsExecutorIsDownAndReturnsWithIt() async throws {
    let cluster = try TestCluster()
    await cluster.start()
    var executor = try await cluster.startExecutor()
    let port = executor.address.port
    try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris, executor: executor.address)
    try await cluster.startNode("node-2", region: "us-east", at: TestCluster.newYork)
    func readyOnNode1() -> Bool {
      cluster.router.view.healthyNodes().contains { $0.id == "node-1" && $0.serves(model: "digits", version: "") }
    }

    try await EdgeInferenceClient.withClient(cluster.clientConfiguration(location: TestCluster.london)) { client in
      let first = try await client.infer(model: "digits", inputs: [DigitsFixture.tensor(rows: 0..<2)])
      #expect(first.node == "node-1")
      #expect(first.output("class")?.int64s == DigitsFixture.split.labels[0..<2].map(Int64.init))
      #expect(first.parameters["edge_batch_rows"] != nil)
      // The node holds configurations, not weights: its executor has them.
      let node1 = try #require(cluster.nodes["node-1"]?.node)
      #expect(try node1.store.model(named: "digits", version: "").model.weightByteCount == 0)

      executor.task.cancel()
      await TestCluster.awaitStop(of: executor.task, named: "executor")
      // From the moment it is gone: every request is still answered, by the other node.
      for row in 2..<12 {
        let result = try await client.infer(model: "digits", inputs: [DigitsFixture.tensor(rows: row..<row + 1)])
        #expect(result.node == "node-2")
      }
      try await cluster.waitUntil { !readyOnNode1() }

      executor = try await cluster.startExecutor(port: port)
      try await cluster.waitUntil { readyOnNode1() }
      // The router tries it again once its failures have worn off (they halve every 2 s).
      try await cluster.waitUntil {
        let back = try await client.infer(model: "digits", inputs: [DigitsFixture.tensor(rows: 12..<13)])
        #expect(back.output("class")?.int64s == [Int64(DigitsFixture.split.labels[12])])
        return back.node == "node-1"
      }
    }
    executor.task.cancel()
    await TestCluster.awaitStop(of: executor.task, named: "executor")
    await cluster.stop()
  }

  @Test func anExecutorWithAnAllowListTakesBatchesFromItsNodeOnly() async throws {
    let cluster = try TestCluster()
    let executor = try await cluster.startExecutor(allowedPeers: ["node-1"])
    var request = Edgeinfer_V1_ExecuteBatchRequest()
    request.modelName = "digits"
    request.batchSize = 1
    request.inputs = [.with { $0.name = "pixels"; $0.datatype = "FP32"; $0.shape = [1, 64]; $0.data = Data(count: 256) }]
    let batch = request
    func call(as name: String) async -> RPCError.Code? {
      do {
        try await RawClient.with(executor.address, security: cluster.pki.identity(name).clientSecurity()) { client in
          _ = try await Edgeinfer_V1_Executor.Client(wrapping: client).executeBatch(batch, options: RawClient.shortCall)
        }
        return nil
      } catch let error as RPCError {
        return error.code
      } catch {
        return .unknown
      }
    }
    #expect(await call(as: "node-1") == nil)
    #expect(await call(as: "node-2") == .permissionDenied)
    #expect(await call(as: "client") == .permissionDenied)
    // Health checks stay open to any cluster certificate.
    try await RawClient.with(executor.address, security: cluster.pki.identity("node-2").clientSecurity()) { client in
      let health = try await Grpc_Health_V1_Health.Client(wrapping: client).check(.with { $0.service = "" }, options: RawClient.shortCall)
      #expect(health.status == .serving)
    }
    executor.task.cancel()
    await TestCluster.awaitStop(of: executor.task, named: "executor")
  }

  /// An executor's model set changes only from its node and admin certificates: without an allow
  /// list, any cluster certificate may send batches, but not unload what the node relies on.
  @Test func onlyItsNodeAndAdminsChangeAnExecutorsModels() async throws {
    for allowed in [Set<String>(), ["node-1"]] {
      let cluster = try TestCluster()
      let executor = try await cluster.startExecutor(allowedPeers: allowed)
      func unload(as name: String) async -> RPCError.Code? {
        do {
          try await RawClient.with(executor.address, security: cluster.pki.identity(name).clientSecurity()) { client in
            let stub = Edgeinfer_V1_Executor.Client(wrapping: client)
            _ = try await stub.unloadModel(.with { $0.modelName = "digits" }, options: RawClient.shortCall)
            _ = try await stub.loadModel(.with { $0.modelName = "digits" }, options: RawClient.shortCall)
          }
          return nil
        } catch let error as RPCError {
          return error.code
        } catch {
          return .unknown
        }
      }
      #expect(await unload(as: "node-2") == .permissionDenied, "allow \(allowed)")
      #expect(await unload(as: "client") == .permissionDenied, "allow \(allowed)")
      #expect(await unload(as: "admin") == nil, "allow \(allowed)")
      if !allowed.isEmpty { #expect(await unload(as: "node-1") == nil) }
      executor.task.cancel()
      await TestCluster.awaitStop(of: executor.task, named: "executor")
    }
  }

  /// A repository change on a node with a separate executor reaches the executor: node and
  /// executor serve the same set. An executor that does not take the node's changes (no
  /// `--allow` naming it) makes the change fail with what to do, and the node's set unchanged.
  @Test func repositoryChangesReachTheExecutor() async throws {
    let cluster = try TestCluster()
    await cluster.start()
    let executor = try await cluster.startExecutor(allowedPeers: ["node-1"])
    try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris, executor: executor.address)
    func executorModels() async throws -> [String] {
      try await RawClient.with(executor.address, security: cluster.pki.identity("node-1").clientSecurity()) { client in
        try await Edgeinfer_V1_Executor.Client(wrapping: client).listModels(.init(), options: RawClient.shortCall).models.map(\.name)
      }
    }
    let admin = cluster.clientConfiguration(to: cluster.routerAddresses.cluster, identity: cluster.pki.identity("admin"))
    #expect(try await executorModels() == ["digits"])
    try await EdgeInferenceClient.withClient(admin) { try await $0.unloadModel("digits") }
    #expect(try await executorModels().isEmpty)
    try await EdgeInferenceClient.withClient(admin) { try await $0.loadModel("digits") }
    #expect(try await executorModels() == ["digits"])
    try await cluster.waitUntil { cluster.router.view.healthyNodes().contains { $0.serves(model: "digits", version: "") } }
    await cluster.stop()
    executor.task.cancel()
    await TestCluster.awaitStop(of: executor.task, named: "executor")

    // An executor that takes changes only from admins: the node's load fails and says why.
    let second = try TestCluster()
    await second.start()
    let closed = try await second.startExecutor(allowedPeers: ["node-9"])
    try await second.startNode("node-1", region: "eu-west", at: TestCluster.paris, executor: closed.address)
    do {
      try await EdgeInferenceClient.withClient(
        second.clientConfiguration(to: second.routerAddresses.cluster, identity: second.pki.identity("admin"))
      ) { try await $0.loadModel("digits") }
      Issue.record("a load the executor refused succeeded")
    } catch let error as RPCError {
      #expect(error.code == .failedPrecondition, "\(error)")
      #expect(error.message.contains("--allow"), "\(error)")
    }
    await second.stop()
    closed.task.cancel()
    await TestCluster.awaitStop(of: closed.task, named: "executor")
  }

  /// A separate executor checks batches against its node's limits (`edge-executor --max-…`),
  /// not the defaults: a batch is within them exactly when each of its requests was within the
  /// node's.
  @Test func anExecutorChecksBatchesAgainstTheNodesLimits() async throws {
    let cluster = try TestCluster()
    // One element per tensor per request: a digits batch may hold max_batch_size (64) elements.
    let executor = try await cluster.startExecutor(limits: RequestLimits(maxElementsPerTensor: 1))
    func batch(rows: UInt32) -> Edgeinfer_V1_ExecuteBatchRequest {
      .with {
        $0.modelName = "digits"
        $0.batchSize = rows
        $0.inputs = [.with { $0.name = "pixels"; $0.datatype = "FP32"; $0.shape = [Int64(rows), 64]; $0.data = Data(count: Int(rows) * 256) }]
      }
    }
    try await RawClient.with(executor.address, security: cluster.pki.identity("node-1").clientSecurity()) { client in
      let stub = Edgeinfer_V1_Executor.Client(wrapping: client)
      _ = try await stub.executeBatch(batch(rows: 1), options: RawClient.shortCall)
      do {
        _ = try await stub.executeBatch(batch(rows: 2), options: RawClient.shortCall)
        Issue.record("a batch past the node's limits was run")
      } catch let error as RPCError {
        #expect(error.code == .invalidArgument || error.code == .resourceExhausted, "\(error)")
      }
    }
    executor.task.cancel()
    await TestCluster.awaitStop(of: executor.task, named: "executor")
  }

  @Test func anExecutorChecksEveryBatchAsANodeChecksARequest() async throws {
    let cluster = try TestCluster()
    let executor = try await cluster.startExecutor()
    let security = cluster.pki.identity("node-1").clientSecurity()
    func batch(rows: UInt32, shape: [Int64], bytes: Int) -> Edgeinfer_V1_ExecuteBatchRequest {
      var request = Edgeinfer_V1_ExecuteBatchRequest()
      request.modelName = "digits"
      request.batchSize = rows
      var input = Edgeinfer_V1_Tensor()
      input.name = "pixels"
      input.datatype = "FP32"
      input.shape = shape
      input.data = Data(count: bytes)
      request.inputs = [input]
      return request
    }
    try await RawClient.with(executor.address, security: security) { client in
      let stub = Edgeinfer_V1_Executor.Client(wrapping: client)
      let good = try await stub.executeBatch(batch(rows: 2, shape: [2, 64], bytes: 2 * 64 * 4), options: RawClient.shortCall)
      #expect(good.outputs.map(\.name).sorted() == ["class", "probabilities"])
      #expect(good.outputs.first { $0.name == "class" }?.shape == [2, 1])
      for (bad, reason) in [
        (batch(rows: 3, shape: [2, 64], bytes: 2 * 64 * 4), "rows"),
        (batch(rows: 2, shape: [2, 64], bytes: 100), "bytes"),
        (batch(rows: 2, shape: [2, 63], bytes: 2 * 63 * 4), "shape"),
      ] {
        await #expect(throws: RPCError.self, "\(reason)") {
          do {
            _ = try await stub.executeBatch(bad, options: RawClient.shortCall)
          } catch let error as RPCError {
            #expect(error.code == .invalidArgument, "\(reason): \(error)")
            throw error
          }
        }
      }
      var unknown = batch(rows: 1, shape: [1, 64], bytes: 64 * 4)
      unknown.modelName = "nope"
      await #expect(throws: RPCError.self) { _ = try await stub.executeBatch(unknown, options: RawClient.shortCall) }
    }
    executor.task.cancel()
    await TestCluster.awaitStop(of: executor.task, named: "executor")
  }
}
