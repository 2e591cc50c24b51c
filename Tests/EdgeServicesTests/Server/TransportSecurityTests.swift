import EdgeClient
import EdgeProto
import EdgeSecurity
import EdgeCluster
import EdgeExecutorService
import EdgeNodeService
import EdgeRouterService
import EdgeServer
import Foundation
import EdgeTestSupport
import GRPCCore
import GRPCNIOTransportHTTP2
import X509
import SwiftProtobuf
import Testing

/// Every listener is TLS; nodes and the router's cluster listener take only certificates of the
/// cluster CA; a node may only register under a name its certificate carries.
@Suite(.serialized) struct TransportSecurityTests {
  static func registration(_ id: String) -> Edgeinfer_V1_RegisterRequest {
    .with {
      $0.node = .with {
        $0.nodeID = id
        $0.address = "127.0.0.1:1"
        $0.region = "x"
        $0.location = .with { $0.latitude = 1; $0.longitude = 2 }
      }
    }
  }

  @Test func refusesPlaintextWrongCAAndMissingCertificates() async throws {
    let cluster = try TestCluster()
    await cluster.start()
    let node = try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris)
    let nodeAddress = await node.listeningAddress()
    let rogueFolder = try TemporaryDirectory()
    let rogue = ClusterPKI(directory: rogueFolder.path)
    try rogue.initialise(nodes: 1)
    let ready = { @Sendable (client: GRPCClient<HTTP2ClientTransport.Posix>) async throws in
      _ = try await Inference_GRPCInferenceService.Client(wrapping: client).serverReady(
        Inference_ServerReadyRequest(), options: RawClient.shortCall)
    }

    // The router's client listener: TLS with the cluster CA works, nothing else does.
    #expect(await RawClient.code { try await RawClient.with(cluster.routerAddresses.clients, security: TLSIdentity(caPath: cluster.pki.caCertificatePath).clientSecurity(), ready) } == nil)
    #expect(await RawClient.code { try await RawClient.with(cluster.routerAddresses.clients, security: .plaintext, ready) } == .unavailable)
    #expect(await RawClient.code { try await RawClient.with(cluster.routerAddresses.clients, security: rogue.identity("client").clientSecurity(), ready) } == .unavailable)

    // A node takes only clients with a cluster certificate.
    #expect(await RawClient.code { try await RawClient.with(nodeAddress, security: cluster.pki.identity("client").clientSecurity(), ready) } == nil)
    #expect(await RawClient.code { try await RawClient.with(nodeAddress, security: TLSIdentity(caPath: cluster.pki.caCertificatePath).clientSecurity(), ready) } == .unavailable)
    #expect(await RawClient.code { try await RawClient.with(nodeAddress, security: rogue.identity("client").clientSecurity(), ready) } == .unavailable)
    #expect(await RawClient.code { try await RawClient.with(nodeAddress, security: .plaintext, ready) } == .unavailable)
    await cluster.stop()
  }

  @Test func registrationsNeedAClusterCertificateThatNamesTheNode() async throws {
    let cluster = try TestCluster()
    await cluster.start()
    let register = { @Sendable (id: String) in
      { @Sendable (client: GRPCClient<HTTP2ClientTransport.Posix>) async throws in
        _ = try await Edgeinfer_V1_Registry.Client(wrapping: client).register(Self.registration(id), options: RawClient.shortCall)
      }
    }
    let cluster2 = cluster.routerAddresses.cluster
    // Its own name: admitted.
    #expect(await RawClient.code { try await RawClient.with(cluster2, security: cluster.pki.identity("node-2").clientSecurity(), register("node-2")) } == nil)
    // Another node's name: refused.
    #expect(await RawClient.code { try await RawClient.with(cluster2, security: cluster.pki.identity("node-2").clientSecurity(), register("node-1")) } == .permissionDenied)
    // Names other certificates carry too (every leaf names localhost; the client and admin
    // certificates name themselves): no node may register under them, so only a node's own
    // certificate can place a node, and the region it claims, in the rotation.
    for (identity, id) in [("client", "localhost"), ("client", "client"), ("admin", "admin"), ("node-3", "localhost")] {
      #expect(
        await RawClient.code { try await RawClient.with(cluster2, security: cluster.pki.identity(identity).clientSecurity(), register(id)) }
          == .permissionDenied, "\(identity) as \(id)")
    }
    // No client certificate on the cluster listener: the handshake fails.
    #expect(await RawClient.code { try await RawClient.with(cluster2, security: TLSIdentity(caPath: cluster.pki.caCertificatePath).clientSecurity(), register("node-3")) } == .unavailable)
    // The client listener never takes registrations, whatever the certificate.
    #expect(await RawClient.code { try await RawClient.with(cluster.routerAddresses.clients, security: cluster.pki.identity("node-3").clientSecurity(), register("node-3")) } == .permissionDenied)
    // A bad location is the caller's error.
    #expect(await RawClient.code {
      try await RawClient.with(cluster2, security: cluster.pki.identity("node-3").clientSecurity()) { client in
        var request = Self.registration("node-3")
        request.node.location.latitude = 123
        _ = try await Edgeinfer_V1_Registry.Client(wrapping: client).register(request, options: RawClient.shortCall)
      }
    } == .invalidArgument)
    #expect(cluster.router.view.snapshot().map(\.descriptor.id) == ["node-2"])
    await cluster.stop()
  }

  @Test func aNodeWithAnAllowListTakesInferenceOnlyFromTheNamedCertificates() async throws {
    let cluster = try TestCluster()
    await cluster.start()
    let node = try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris, allowedPeers: ["router", "client"])
    let nodeAddress = await node.listeningAddress()
    let ready = { @Sendable (client: GRPCClient<HTTP2ClientTransport.Posix>) async throws in
      _ = try await Inference_GRPCInferenceService.Client(wrapping: client).serverReady(
        Inference_ServerReadyRequest(), options: RawClient.shortCall)
    }
    let health = { @Sendable (client: GRPCClient<HTTP2ClientTransport.Posix>) async throws in
      _ = try await Grpc_Health_V1_Health.Client(wrapping: client).check(.init(), options: RawClient.shortCall)
    }
    // The router (routed calls) and the client certificate are let in.
    try await EdgeInferenceClient.withClient(cluster.clientConfiguration()) { client in
      let result = try await client.infer(model: "digits", inputs: [DigitsFixture.tensor(rows: 0..<1)])
      #expect(result.node == "node-1")
    }
    #expect(await RawClient.code { try await RawClient.with(nodeAddress, security: cluster.pki.identity("client").clientSecurity(), ready) } == nil)
    // Another node's certificate chains to the cluster CA but is not on the list.
    #expect(await RawClient.code { try await RawClient.with(nodeAddress, security: cluster.pki.identity("node-2").clientSecurity(), ready) } == .permissionDenied)
    // Health checks stay open to the cluster.
    #expect(await RawClient.code { try await RawClient.with(nodeAddress, security: cluster.pki.identity("node-2").clientSecurity(), health) } == nil)
    await cluster.stop()
  }

  @Test func aNodeWithACertificateFromAnotherCANeverJoins() async throws {
    let cluster = try TestCluster()
    await cluster.start()
    let rogueFolder = try TemporaryDirectory()
    let rogue = ClusterPKI(directory: rogueFolder.path)
    try rogue.initialise(nodes: 1)
    // It trusts the cluster CA but presents a certificate the cluster did not issue.
    let foreign = TLSIdentity(
      caPath: cluster.pki.caCertificatePath, certificatePath: rogue.identity("node-1").certificatePath,
      keyPath: rogue.identity("node-1").keyPath)
    try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris, identity: foreign, waitForRegistration: false)
    try await cluster.startNode("node-2", region: "us-east", at: TestCluster.newYork)
    // node-2 registered after node-1 started beating; node-1 has had several tries by now.
    try await Task.sleep(for: .milliseconds(500))
    #expect(cluster.router.view.snapshot().map(\.descriptor.id) == ["node-2"])
    await cluster.stop()
  }

  @Test func insecureModeRunsThePlaintextClusterAndRefusesTLSClients() async throws {
    let cluster = try TestCluster(insecure: true)
    await cluster.start()
    try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris)
    try await EdgeInferenceClient.withClient(cluster.clientConfiguration()) { client in
      let result = try await client.infer(model: "digits", inputs: [DigitsFixture.tensor(rows: 0..<1)])
      #expect(result.node == "node-1")
    }
    #expect(await RawClient.code {
      try await RawClient.with(cluster.routerAddresses.clients, security: cluster.pki.identity("client").clientSecurity()) { client in
        _ = try await Inference_GRPCInferenceService.Client(wrapping: client).serverLive(Inference_ServerLiveRequest(), options: RawClient.shortCall)
      }
    } == .unavailable)
    await cluster.stop()
  }

  @Test func certificatesCarryTheirNamesAndChainToTheClusterCA() throws {
    let folder = try TemporaryDirectory()
    let pki = ClusterPKI(directory: folder.path)
    try pki.initialise(nodes: 2, extraHosts: ["edge.example", "10.1.2.3"])
    let authority = try CertificateAuthority.load(certificatePath: pki.caCertificatePath, keyPath: pki.caKeyPath)
    let identity = pki.identity("node-2")
    let issued = try CertificateAuthority.load(certificatePath: identity.certificatePath!, keyPath: identity.keyPath!)
    #expect(issued.certificate.issuer == authority.certificate.subject)
    let names = try #require(try issued.certificate.extensions.subjectAlternativeNames).map { "\($0)" }.joined(separator: " ")
    for expected in ["node-2", "localhost", "edge.example"] { #expect(names.contains(expected)) }
    #expect(authority.certificate.publicKey.isValidSignature(issued.certificate.signature, for: issued.certificate))
    let keyMode = try FileManager.default.attributesOfItem(atPath: identity.keyPath!)[.posixPermissions] as? Int
    #expect(keyMode == 0o600)
    #expect(throws: PKIError.self) { try pki.initialise(nodes: 1) }
  }
}
