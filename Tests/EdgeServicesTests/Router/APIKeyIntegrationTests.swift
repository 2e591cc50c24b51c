import EdgeClient
import EdgeProto
import EdgeSecurity
import EdgeCluster
import EdgeExecutorService
import EdgeNodeService
import EdgeRouterService
import EdgeServer
import EdgeTestSupport
import GRPCCore
import SwiftProtobuf
import Testing

/// A router started with an API key file: who gets in, who is limited, and revocation without a
/// restart.
@Suite(.serialized) struct APIKeyIntegrationTests {
  @Test func keysAreRequiredCheckedLimitedAndRevocable() async throws {
    let folder = try TemporaryDirectory()
    let file = "\(folder.path)/keys.json"
    let alice = APIKey.generate(name: "alice", ratePerSecond: nil, burst: nil)
    let limited = APIKey.generate(name: "limited", ratePerSecond: 0.5, burst: 2)
    try APIKeyFile.save([alice.record, limited.record], to: file)

    let cluster = try TestCluster(apiKeysFile: file)
    await cluster.start()
    try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris)
    func code(_ key: String?, _ body: (EdgeInferenceClient) async throws -> Void) async -> RPCError.Code? {
      var configuration = cluster.clientConfiguration(location: TestCluster.london)
      configuration.apiKey = key
      do {
        try await EdgeInferenceClient.withClient(configuration) { try await body($0) }
        return nil
      } catch let error as RPCError {
        #expect(!error.message.contains(alice.token) && !error.message.contains(limited.token))
        return error.code
      } catch {
        Issue.record("\(error)")
        return .unknown
      }
    }
    let infer: (EdgeInferenceClient) async throws -> Void = { client in
      _ = try await client.infer(model: "digits", inputs: [DigitsFixture.tensor(rows: 0..<1)])
    }

    #expect(await code(nil, infer) == .unauthenticated)
    #expect(await code(nil) { _ = try await $0.nodes() } == .unauthenticated)
    #expect(await code("ei_00000000_" + String(repeating: "A", count: 43), infer) == .unauthenticated)
    #expect(await code("not a key", infer) == .unauthenticated)
    // Health checks need no key (load balancers make them).
    try await RawClient.with(cluster.routerAddresses.clients, security: cluster.pki.identity("client").clientSecurity()) { raw in
      let health = try await Grpc_Health_V1_Health.Client(wrapping: raw).check(.with { $0.service = "" }, options: RawClient.shortCall)
      #expect(health.status == .serving)
    }
    #expect(await code(alice.token, infer) == nil)
    #expect(await code(alice.token) { _ = try await $0.nodes() } == nil)

    // The limited key: its burst of two, then RESOURCE_EXHAUSTED with a pushback.
    var limitedConfiguration = cluster.clientConfiguration(location: TestCluster.london)
    limitedConfiguration.apiKey = limited.token
    try await EdgeInferenceClient.withClient(limitedConfiguration) { client in
      for _ in 0..<2 { try await infer(client) }
      do {
        try await infer(client)
        Issue.record("a third request within the burst was served")
      } catch let error as RPCError {
        #expect(error.code == .resourceExhausted)
        #expect(error.message.contains("'limited'"))
        #expect(Int(error.metadata[stringValues: "grpc-retry-pushback-ms"].first(where: { _ in true }) ?? "") ?? 0 > 0)
      }
    }
    // Other keys are not slowed by it.
    #expect(await code(alice.token, infer) == nil)

    // Revoked by rewriting the file: refused within the reload interval, no restart.
    try APIKeyFile.save([limited.record], to: file)
    try await cluster.waitUntil(timeout: .seconds(10)) { await code(alice.token, infer) == .unauthenticated }
    await cluster.stop()
  }
}
