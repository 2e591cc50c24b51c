import EdgeClient
import EdgeNodeService
import EdgeProto
import EdgeSecurity
import EdgeServer
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf
import Testing

/// The node's front (FrontListener over mutual TLS): the names of the certificate a caller
/// presented decide, on the calls it answers itself and on the ones it relays, and nothing a
/// caller writes in the metadata can stand in for them; relayed calls from many connections at
/// once are all answered.
@Suite(.serialized) struct NodeFrontTests {
  @Test func aCertificateNamesItsHolderAndNoMetadataCanClaimAnother() async throws {
    let cluster = try TestCluster()
    await cluster.start()
    let node = try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris, allowedPeers: ["router", "client"])
    let address = await node.listeningAddress()
    // What a caller might write to pass for a router or an admin.
    var claims = Metadata()
    claims.addString("router,admin", forKey: "x-edge-peer-names")
    claims.addString("ipv4:10.9.9.9:1", forKey: "x-edge-peer")

    func codes(_ identity: String) async throws -> [RPCError.Code?] {
      try await RawClient.with(address, security: cluster.pki.identity(identity).clientSecurity()) { client in
        let inference = Inference_GRPCInferenceService.Client(wrapping: client)
        return [
          // Answered at the front.
          await RawClient.code {
            _ = try await inference.modelInfer(DigitsFixture.request(rows: 0..<1), metadata: claims, options: RawClient.shortCall)
          },
          await RawClient.code { _ = try await inference.serverLive(.init(), metadata: claims, options: RawClient.shortCall) },
          // Relayed to the node's gRPC server.
          await RawClient.code { _ = try await inference.serverReady(.init(), metadata: claims, options: RawClient.shortCall) },
          await RawClient.code {
            _ = try await inference.repositoryModelUnload(.with { $0.modelName = "digits" }, metadata: claims, options: RawClient.shortCall)
          },
        ]
      }
    }
    // A client certificate on the allow list infers but changes nothing, whatever it claims.
    #expect(try await codes("client") == [nil, nil, nil, .permissionDenied])
    // A cluster certificate not on the list gets nothing but health checks.
    #expect(try await codes("node-2") == [.permissionDenied, .permissionDenied, .permissionDenied, .permissionDenied])
    let health = try await RawClient.with(address, security: cluster.pki.identity("node-2").clientSecurity()) { client in
      let health = Grpc_Health_V1_Health.Client(wrapping: client)
      let serving = try await health.check(.with { $0.service = "inference.GRPCInferenceService" }, options: RawClient.shortCall).status
      let unknown = await RawClient.code { _ = try await health.check(.with { $0.service = "no.such.Service" }, options: RawClient.shortCall) }
      return (serving, unknown)
    }
    #expect(health.0 == .serving && health.1 == .notFound)
    // The admin certificate (and the router, for repository changes across the fleet) can.
    let unload = await RawClient.code {
      try await RawClient.with(address, security: cluster.pki.identity("admin").clientSecurity()) { client in
        _ = try await Inference_GRPCInferenceService.Client(wrapping: client).repositoryModelUnload(
          .with { $0.modelName = "digits" }, options: RawClient.shortCall)
      }
    }
    #expect(unload == nil)
    await cluster.stop()
  }

  @Test func relayedCallsFromManyConnectionsAreAllAnswered() async throws {
    let cluster = try TestCluster()
    await cluster.start()
    let node = try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris)
    let address = await node.listeningAddress()
    let security = cluster.pki.identity("client").clientSecurity()
    // Eight connections, each with calls in flight together: every one is relayed and answered.
    let answered = try await withThrowingTaskGroup(of: Int.self) { group in
      for _ in 0..<8 {
        group.addTask {
          try await RawClient.with(address, security: security) { client in
            let inference = Inference_GRPCInferenceService.Client(wrapping: client)
            return try await withThrowingTaskGroup(of: Bool.self) { calls in
              for _ in 0..<25 {
                calls.addTask { try await inference.modelReady(.with { $0.name = "digits" }, options: RawClient.shortCall).ready }
              }
              return try await calls.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
          }
        }
      }
      return try await group.reduce(0, +)
    }
    #expect(answered == 200)
    await cluster.stop()
  }
}
