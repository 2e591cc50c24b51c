import EdgeProto
import EdgeSecurity
import EdgeCluster
import EdgeExecutorService
import EdgeNodeService
import EdgeRouterService
import EdgeServer
import EdgeTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Testing

/// Expired certificates are refused on either side of a handshake, and a running server or client
/// takes a renewed certificate from its next connection on, without a restart.
@Suite(.serialized) struct CertificateRotationTests {
  let folder: TemporaryDirectory
  let pki: ClusterPKI

  init() throws {
    folder = try TemporaryDirectory()
    pki = ClusterPKI(directory: folder.path)
    try pki.initialise(nodes: 1)
  }

  /// A certificate of the cluster CA that expired an hour ago.
  func expired(_ name: String) throws -> TLSIdentity {
    var identity = try pki.issue(name: name, validity: 3_600, now: Date() - 7_200)
    identity.rotationCheckInterval = .milliseconds(50)
    return identity
  }

  /// A health server on loopback with `identity`, for the duration of `body`.
  func withServer(
    _ identity: TLSIdentity, requireClientCertificate: Bool, _ body: (ServiceAddress) async throws -> Void
  ) async throws {
    let server = GRPCServer(
      transport: .http2NIOPosix(
        address: .ipv4(host: "127.0.0.1", port: 0),
        transportSecurity: identity.serverSecurity(requireClientCertificate: requireClientCertificate)),
      services: [HealthService(board: HealthBoard())])
    try await withThrowingDiscardingTaskGroup { group in
      group.addTask { try await server.serve() }
      let port = try #require(try await server.listeningAddress?.ipv4?.port)
      try await body(ServiceAddress(host: "127.0.0.1", port: port))
      server.beginGracefulShutdown()
    }
  }

  /// One health check over `client`'s connection (made again if the last attempt failed).
  static func check(_ client: GRPCClient<HTTP2ClientTransport.Posix>) async -> RPCError.Code? {
    var options = CallOptions.defaults
    options.timeout = .seconds(2)
    do {
      _ = try await Grpc_Health_V1_Health.Client(wrapping: client).check(.init(), options: options)
      return nil
    } catch let error as RPCError {
      return error.code
    } catch {
      return .unknown
    }
  }

  /// Checks until one passes, for at most `attempts` × 100 ms (the reconnection backoff and the
  /// rotation interval are both shorter).
  static func eventuallyPasses(_ client: GRPCClient<HTTP2ClientTransport.Posix>, attempts: Int = 50) async throws -> Bool {
    for _ in 0..<attempts {
      if await check(client) == nil { return true }
      try await Task.sleep(for: .milliseconds(100))
    }
    return false
  }

  static func withClient(
    _ address: ServiceAddress, security: HTTP2ClientTransport.Posix.TransportSecurity,
    _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Void
  ) async throws {
    let transport = try HTTP2ClientTransport.Posix(
      target: address.target, transportSecurity: security,
      config: .defaults { $0.backoff.initial = .milliseconds(20); $0.backoff.max = .milliseconds(100) })
    try await withGRPCClient(transport: transport) { client in try await body(client) }
  }

  @Test func aServerRenewsAnExpiredCertificateWithoutARestart() async throws {
    let identity = try expired("router")
    try await withServer(identity, requireClientCertificate: false) { address in
      let trusting = TLSIdentity(caPath: pki.caCertificatePath).clientSecurity()
      try await Self.withClient(address, security: trusting) { client in
        // The server presents an expired certificate: the client refuses the handshake.
        #expect(await Self.check(client) == .unavailable)
        #expect(await Self.check(client) == .unavailable)
        // Renewed on disk; the same server process and client carry on.
        try pki.issue(name: "router")
        #expect(try await Self.eventuallyPasses(client))
      }
    }
  }

  @Test func aClientRenewsAnExpiredCertificateWithoutARestart() async throws {
    try await withServer(pki.identity("node-1"), requireClientCertificate: true) { address in
      let identity = try expired("client")
      try await Self.withClient(address, security: identity.clientSecurity()) { client in
        // An expired client certificate is refused by the server's mutual TLS.
        #expect(await Self.check(client) == .unavailable)
        #expect(await Self.check(client) == .unavailable)
        try pki.issue(name: "client")
        #expect(try await Self.eventuallyPasses(client))
      }
    }
  }

  @Test func aRenewalThatCannotBeUsedKeepsTheServerOnItsCertificate() async throws {
    var identity = pki.identity("router")
    identity.rotationCheckInterval = .milliseconds(50)
    try await withServer(identity, requireClientCertificate: false) { address in
      let trusting = TLSIdentity(caPath: pki.caCertificatePath).clientSecurity()
      // An expired renewal and then a garbled one: new connections still get the valid certificate.
      // (Retried: on a loaded machine one handshake can outlast a check's 2 s deadline; a server
      // that took the bad certificate would fail every retry.)
      _ = try expired("router")
      try await Task.sleep(for: .milliseconds(200))
      try await Self.withClient(address, security: trusting) { client in
        let passed = try await Self.eventuallyPasses(client, attempts: 5)
        #expect(passed)
      }
      try "garbage".write(toFile: identity.certificatePath!, atomically: true, encoding: .utf8)
      try await Task.sleep(for: .milliseconds(200))
      try await Self.withClient(address, security: trusting) { client in
        let passed = try await Self.eventuallyPasses(client, attempts: 5)
        #expect(passed)
      }
    }
  }
}
