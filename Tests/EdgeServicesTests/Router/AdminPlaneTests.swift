import EdgeClient
import EdgeMetering
import EdgeProto
import EdgeRouting
import EdgeSecurity
import EdgeCluster
import EdgeExecutorService
import EdgeNodeService
import EdgeRouterService
import EdgeServer
import EdgeTestSupport
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing

/// The admin plane on a router with API keys and three nodes: scopes, the audit log, one
/// model's outage never costing another, residency bounds and usage.
@Suite(.serialized) struct AdminPlaneTests {
  static let amsterdam = try! GeoPoint(latitude: 52.37, longitude: 4.90)

  @Test func scopesAuditOutageResidencyAndUsage() async throws {
    let folder = try TemporaryDirectory()
    let keys = "\(folder.path)/keys.json"
    let audit = "\(folder.path)/audit.log"
    let reader = APIKey.generate(name: "reader", ratePerSecond: nil, burst: nil)
    let ops = APIKey.generate(name: "ops", ratePerSecond: nil, burst: nil, scope: .admin)
    let euApp = APIKey.generate(name: "eu-app", ratePerSecond: nil, burst: nil, regions: ["eu-west"])
    try APIKeyFile.save([reader.record, ops.record, euApp.record], to: keys)
    let cluster = try TestCluster(apiKeysFile: keys) { $0.auditLog = audit }
    await cluster.start()
    let repository = try cluster.twoModelRepository()
    try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris, repository: repository)
    try await cluster.startNode("node-2", region: "eu-west", at: Self.amsterdam, repository: repository)
    try await cluster.startNode("node-3", region: "us-east", at: TestCluster.newYork, repository: repository)

    func client(_ key: (token: String, record: APIKeyRecord), _ body: (EdgeInferenceClient) async throws -> Void) async -> RPCError? {
      var configuration = cluster.clientConfiguration(location: TestCluster.london)
      configuration.apiKey = key.token
      do {
        try await EdgeInferenceClient.withClient(configuration) { try await body($0) }
        return nil
      } catch let error as RPCError {
        return error
      } catch {
        Issue.record("\(error)")
        return RPCError(code: .unknown, message: "\(error)")
      }
    }
    /// Runs `model` once; the region of the node that answered.
    func infer(_ model: String, residency: String? = nil) -> (EdgeInferenceClient) async throws -> String {
      { client in
        var request = DigitsFixture.request(rows: 0..<1)
        request.modelName = model
        var metadata = client.routerMetadata
        metadata.addString("51.5,-0.12", forKey: "x-edge-location")
        if let residency { metadata.addString(residency, forKey: "x-edge-residency") }
        let response = try await Inference_GRPCInferenceService.Client(wrapping: client.grpcClient).modelInfer(request, metadata: metadata)
        return response.parameters["edge_region"]?.stringParam ?? "?"
      }
    }

    // Scopes: an infer key changes nothing; an admin key does.
    let refused = await client(reader) { try await $0.unloadModel("digits") }
    #expect(refused?.code == .permissionDenied)
    #expect(refused?.message.contains("scope 'infer'") == true && refused?.message.contains("scope 'admin'") == true)
    #expect(await client(reader) { _ = try await infer("digits")($0) } == nil)

    // The outage: digits unloaded everywhere, then requests for both models at once.
    #expect(await client(ops) { try await $0.unloadModel("digits") } == nil)
    var digitsCodes: [RPCError.Code] = []
    var servedB = 0
    for _ in 0..<60 {
      if let error = await client(reader, { _ = try await infer("digits")($0) }) { digitsCodes.append(error.code) }
      if await client(reader, { _ = try await infer("digits-b")($0) }) == nil { servedB += 1 }
    }
    #expect(servedB == 60)
    #expect(digitsCodes.count == 60)
    #expect(digitsCodes.allSatisfy { $0 == .unavailable })
    #expect(cluster.router.view.healthyNodes().count == 3)
    #expect(!cluster.router.view.isPanicking)
    #expect(await client(ops) { try await $0.loadModel("digits") } == nil)
    try await cluster.waitUntil { await client(reader) { _ = try await infer("digits")($0) } == nil }

    // Residency: eu-app's requests stay in eu-west; a request outside its key is refused.
    var regions: [String] = []
    for _ in 0..<20 {
      _ = await client(euApp) { regions.append(try await infer("digits-b")($0)) }
    }
    #expect(regions.count == 20 && regions.allSatisfy { $0 == "eu-west" })
    #expect(await client(euApp) { _ = try await infer("digits-b", residency: "us-east")($0) }?.code == .permissionDenied)
    #expect(await client(reader) { _ = try await infer("digits-b", residency: "bad region")($0) }?.code == .invalidArgument)
    await cluster.stopNode("node-1")
    await cluster.stopNode("node-2")
    try await cluster.waitUntil { cluster.router.view.liveNodes().count == 1 }
    let bound = await client(euApp) { _ = try await infer("digits-b")($0) }
    #expect(bound?.code == .failedPrecondition)
    #expect(bound?.message.contains("eu-west") == true)
    var unboundRegion: String?
    #expect(await client(reader) { unboundRegion = try await infer("digits-b")($0) } == nil)
    #expect(unboundRegion == "us-east")
    // Direct routes honour the key's bound too.
    #expect(await client(euApp) { _ = try await $0.route(model: "digits-b") }?.code == .failedPrecondition)

    // Usage: the reader's answered requests, metered.
    let usage = cluster.router.metrics.snapshot()
    #expect(usage.residencyRefused >= 3)
    var stats: RouterStats?
    #expect(await client(reader) { stats = try await $0.routerStats() } == nil)
    #expect(stats?.residencyRefused == usage.residencyRefused)
    var report = Edgeinfer_V1_UsageResponse()
    #expect(await client(reader) { _ = try await $0.usage() }?.code == .permissionDenied)
    #expect(await client(ops) { report = try await $0.usage() } == nil)
    let row = report.rows.first { $0.credential == "reader" && $0.model == "digits-b" }
    #expect(row?.requests == 61)
    #expect(row?.rows == 61 && row?.inputBytes == 61 * 256 && (row?.outputBytes ?? 0) > 0)
    #expect(report.rows.contains { $0.credential == "eu-app" && $0.requests == 20 })

    // The audit log: admin calls, allowed and refused, with names and never a secret.
    await cluster.stop()
    let log = try String(contentsOfFile: audit, encoding: .utf8)
    let lines = log.split(separator: "\n").map(String.init)
    #expect(lines.contains { $0.contains(#""credential":"ops""#) && $0.contains("RepositoryModelUnload") && $0.contains(#""model":"digits""#) && $0.contains(#""result":"OK""#) })
    #expect(lines.contains { $0.contains(#""credential":"reader""#) && $0.contains("PERMISSION_DENIED") })
    #expect(lines.contains { $0.contains(#""credential":"reader""#) && $0.contains("Registry/Usage") })
    for key in [reader, ops, euApp] {
      // The secret is everything after `ei_<8 hex>_` (base64url, which may itself hold '_').
      let secret = String(key.token.dropFirst(12))
      #expect(secret.count == 43 && !log.contains(secret))
    }
  }

  /// Without keys the client listener refuses fleet changes; the cluster listener takes them
  /// from the admin certificate only.
  @Test func withoutKeysTheAdminCertificateOnTheClusterListener() async throws {
    let cluster = try TestCluster()
    await cluster.start()
    try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris)
    func unload(at address: ServiceAddress, as name: String) async -> RPCError.Code? {
      do {
        try await EdgeInferenceClient.withClient(cluster.clientConfiguration(to: address, identity: cluster.pki.identity(name))) {
          try await $0.unloadModel("digits")
        }
        return nil
      } catch let error as RPCError {
        return error.code
      } catch {
        return .unknown
      }
    }
    #expect(await unload(at: cluster.routerAddresses.clients, as: "client") == .permissionDenied)
    #expect(await unload(at: cluster.routerAddresses.clients, as: "admin") == .permissionDenied)
    #expect(await unload(at: cluster.routerAddresses.cluster, as: "node-1") == .permissionDenied)
    #expect(await unload(at: cluster.routerAddresses.cluster, as: "admin") == nil)
    // One version at a time, named by the `version` parameter; a version the node lacks is NOT_FOUND.
    let admin = cluster.clientConfiguration(to: cluster.routerAddresses.cluster, identity: cluster.pki.identity("admin"))
    try await EdgeInferenceClient.withClient(admin) { client in
      try await client.loadModel("digits", version: "1")
      try await cluster.waitUntil { cluster.router.view.healthyNodes().contains { $0.serves(model: "digits", version: "1") } }
      try await client.unloadModel("digits", version: "1")
      #expect(!cluster.router.view.healthyNodes().contains { $0.serves(model: "digits", version: "1") })
      await #expect(throws: RPCError.self) { try await client.unloadModel("digits", version: "9") }
      await #expect(throws: RPCError.self) { try await client.loadModel("digits", version: "not-a-number") }
      try await client.loadModel("digits", version: "1")
      try await cluster.waitUntil { cluster.router.view.healthyNodes().contains { $0.serves(model: "digits", version: "1") } }
    }
    // The node takes repository calls from its router and the admin certificate, not from others.
    let node = await cluster.nodes["node-1"]!.node.listeningAddress()
    #expect(await unload(at: node, as: "client") == .permissionDenied)
    #expect(await unload(at: node, as: "admin") == nil)
    await cluster.stop()
  }
}
