import EdgeRouterService
import EdgeProto
import EdgeSecurity
import EdgeServer
import EdgeTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf
import Synchronization
import Testing

/// The router's front (FrontListener): a caller cannot claim another identity on either of its
/// paths (answered in place, relayed), bad requests get clear statuses and cost only
/// themselves, a caller that leaves cancels its call, and a drain lets calls in flight finish.
@Suite(.serialized) struct FrontListenerTests {
  static func inference(_ client: GRPCClient<HTTP2ClientTransport.Posix>) -> Inference_GRPCInferenceService.Client<HTTP2ClientTransport.Posix> {
    Inference_GRPCInferenceService.Client(wrapping: client)
  }

  @Test func aCallerCannotClaimAnotherIdentity() async throws {
    let folder = try TemporaryDirectory()
    let keys = "\(folder.path)/keys.json"
    let audit = "\(folder.path)/audit.log"
    let reader = APIKey.generate(name: "reader", ratePerSecond: nil, burst: nil)
    try APIKeyFile.save([reader.record], to: keys)
    let cluster = try TestCluster(apiKeysFile: keys) { $0.auditLog = audit }
    await cluster.start()
    try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris)
    // What a caller might write to pass for an admin, or for someone else (on this listener
    // keys decide, so the names cannot grant anything; the address is the audit's).
    var claims = Metadata()
    claims.addString("admin,router", forKey: "x-edge-peer-names")
    claims.addString("ipv4:10.9.9.9:1", forKey: "x-edge-peer")
    var withKey = claims
    withKey.addString("Bearer \(reader.token)", forKey: "authorization")

    let codes = try await RawClient.with(cluster.routerAddresses.clients, security: cluster.pki.identity("admin").clientSecurity()) { client in
      [
        // Answered at the front and relayed alike: no key, no call.
        await Self.infer(client, DigitsFixture.request(rows: 0..<1), metadata: claims),
        await RawClient.code { _ = try await Self.inference(client).serverMetadata(.init(), metadata: claims, options: RawClient.shortCall) },
        // A reader's key stays a reader's whatever the metadata claims.
        await RawClient.code { _ = try await Self.inference(client).repositoryModelUnload(.with { $0.modelName = "digits" }, metadata: withKey, options: RawClient.shortCall) },
        await Self.infer(client, DigitsFixture.request(rows: 0..<1), metadata: withKey),
      ]
    }
    #expect(codes == [.unauthenticated, .unauthenticated, .permissionDenied, nil])
    // The audit names the caller's real address.
    let records = try String(contentsOfFile: audit, encoding: .utf8)
    #expect(records.contains("RepositoryModelUnload") && records.contains("127.0.0.1") && !records.contains("10.9.9.9"))
    await cluster.stop()
  }

  @Test func badRequestsGetClearStatusesAndCostOnlyThemselves() async throws {
    // Requests of up to 4 KiB at the router's front (four times its 1 KiB message limit, as
    // gRPC's transport had it).
    let cluster = try TestCluster(maxMessageBytes: 1024)
    await cluster.start()
    try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris)
    let address = cluster.routerAddresses.clients
    let security = cluster.pki.identity("client").clientSecurity()
    let codes = try await RawClient.with(address, security: security) { client in
      [
        await Self.infer(client, Self.oversized()),
        // Not a ModelInferRequest at all.
        await RawClient.code { try await Self.sendUnreadable(client) },
        // The same connection serves the next call.
        await Self.infer(client, DigitsFixture.request(rows: 0..<1)),
      ]
    }
    #expect(codes == [.resourceExhausted, .invalidArgument, nil])
    // Refused requests, 12 MiB of them on one connection, more than its flow-control window:
    // the window is given back for every refused byte, and the connection serves the next call.
    let afterFlood = try await RawClient.with(address, security: security) { client in
      var refused = 0
      for _ in 0..<40 where await Self.infer(client, Self.oversized(bytes: 300 * 1024)) == .resourceExhausted { refused += 1 }
      return (refused, await Self.infer(client, DigitsFixture.request(rows: 0..<1)))
    }
    #expect(afterFlood.0 == 40 && afterFlood.1 == nil)
    // A compressed request: refused clearly, not misread.
    let compressing = try HTTP2ClientTransport.Posix(
      target: address.target, transportSecurity: security,
      config: .defaults { $0.compression.algorithm = .gzip; $0.compression.enabledAlgorithms = [.gzip] })
    let compressed = try await withGRPCClient(transport: compressing) { client in
      var options = RawClient.shortCall
      options.compression = .gzip
      return await Self.infer(client, DigitsFixture.request(rows: 0..<1), options: options)
    }
    #expect(compressed == .unimplemented)
    // Bytes that are not HTTP/2 (nor TLS) close only their own connection.
    #expect(try await Self.rawSend("GET / HTTP/1.1\r\nHost: x\r\n\r\n", to: address))
    let after = try await RawClient.with(address, security: security) { client in
      await Self.infer(client, DigitsFixture.request(rows: 0..<1))
    }
    #expect(after == nil)
    await cluster.stop()
  }

  static func infer(
    _ client: GRPCClient<HTTP2ClientTransport.Posix>, _ request: Inference_ModelInferRequest, metadata: Metadata = [:],
    options: CallOptions = RawClient.shortCall
  ) async -> RPCError.Code? {
    await RawClient.code { _ = try await inference(client).modelInfer(request, metadata: metadata, options: options) }
  }

  /// A request of `bytes` bytes and a little more.
  static func oversized(bytes: Int = 64 * 1024) -> Inference_ModelInferRequest {
    var request = DigitsFixture.request(rows: 0..<1)
    request.rawInputContents = [Data(count: bytes)]
    return request
  }

  /// ModelInfer with bytes that are no ModelInferRequest.
  static func sendUnreadable(_ client: GRPCClient<HTTP2ClientTransport.Posix>) async throws {
    _ = try await client.unary(
      request: ClientRequest(message: [UInt8]([0xFF, 0xFF, 0xFF])), descriptor: Inference_GRPCInferenceService.Method.ModelInfer.descriptor,
      serializer: RawBytes(), deserializer: RawBytes(), options: RawClient.shortCall
    ) { try $0.message }
  }

  /// A TCP socket connected to `address` on loopback, or nil when the connection is refused.
  static func connectedSocket(to address: ServiceAddress) -> Int32? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var target = sockaddr_in()
    target.sin_family = sa_family_t(AF_INET)
    target.sin_port = in_port_t(UInt16(address.port).bigEndian)
    target.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &target) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else {
      close(fd)
      return nil
    }
    return fd
  }

  /// Whether a TCP connection to `address` is accepted.
  static func connects(to address: ServiceAddress) -> Bool {
    guard let fd = connectedSocket(to: address) else { return false }
    close(fd)
    return true
  }

  /// Writes `text` on a plain TCP connection and waits for the server to close it; true when it did.
  static func rawSend(_ text: String, to address: ServiceAddress) async throws -> Bool {
    guard let fd = connectedSocket(to: address) else { return false }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    _ = text.withCString { send(fd, $0, strlen($0), 0) }
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      let read = recv(fd, &buffer, buffer.count, 0)
      if read == 0 { return true }
      if read < 0 { return false }
    }
  }

  /// A front with one route that waits until released or cancelled, the gRPC health service
  /// behind it; plaintext.
  final class Waiting: Sendable {
    let started = AsyncStream<Void>.makeStream()
    let ended = AsyncStream<Bool>.makeStream()
    let release = Mutex<CheckedContinuation<Void, Never>?>(nil)
  }

  static func withFront(
    _ waiting: Waiting, board: HealthBoard = HealthBoard(services: ["inference.GRPCInferenceService"]),
    _ body: (FrontListener, ServiceAddress) async throws -> Void
  ) async throws {
    let folder = try PrivateFolder(prefix: "front-test")
    defer { folder.remove() }
    let socket = folder.path + "/grpc.sock"
    let server = GRPCServer(
      transport: .http2NIOPosix(address: .unixDomainSocket(path: socket), transportSecurity: .plaintext),
      services: [HealthService(board: board)])
    let front = FrontListener(configuration: FrontListener.Configuration(
      listen: ServiceAddress(host: "127.0.0.1", port: 0), security: .plaintext,
      routes: [
        FrontRoute(Inference_GRPCInferenceService.Method.ServerLive.descriptor, admit: { _ in Caller(credential: .anonymous) }) { _, _ in
          await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
              // A cancellation that came first finds no continuation to resume: resumed here.
              waiting.release.withLock { if Task.isCancelled { continuation.resume() } else { $0 = continuation } }
              // Told only once the release can reach it.
              waiting.started.continuation.yield()
            }
          } onCancel: {
            waiting.release.withLock { $0?.resume(); $0 = nil }
          }
          waiting.ended.continuation.yield(Task.isCancelled)
          return [0x08, 0x01]
        }
      ],
      maxRequestBytes: 1 << 20, relaySocket: socket))
    let fronting = Task { try await front.serveUntilCancelled(behind: server) }
    try await body(front, try await front.listeningAddress())
    fronting.cancel()
    await TestCluster.awaitStop(of: fronting, named: "front")
  }

  // A route whose task is never cancelled would wait for good: the time limit reports it.
  @Test(.timeLimit(.minutes(1))) func aCallerThatLeavesCancelsItsCall() async throws {
    let waiting = Waiting()
    try await Self.withFront(waiting) { _, address in
      try await RawClient.with(address, security: .plaintext) { client in
        var options = CallOptions.defaults
        options.timeout = .milliseconds(300)
        // The caller's deadline passes: it resets the stream, and the route's task is cancelled.
        #expect(await RawClient.code { _ = try await Self.inference(client).serverLive(.init(), options: options) } == .deadlineExceeded)
        var ends = waiting.ended.stream.makeAsyncIterator()
        #expect(await ends.next() == true)
        // Relayed calls pass through.
        let health = try await Grpc_Health_V1_Health.Client(wrapping: client).check(.with { $0.service = "" }, options: RawClient.shortCall)
        #expect(health.status == .serving)
      }
    }
  }

  // The gRPC server behind the front closes a connection that resets more than 200 streams in
  // 30 s (NIO's limit, which grpc-swift does not let a server change): one caller cancelling its
  // relayed calls must not end another caller's. Connections are spread over the event loops,
  // so there are more patient callers than loops: at least one shares the careless caller's loop
  // (with one relay connection per loop, it would lose its stream).
  @Test(.timeLimit(.minutes(1))) func aCallerCancellingRelayedCallsEndsNobodyElses() async throws {
    let board = HealthBoard(services: ["inference.GRPCInferenceService"])
    let service = "inference.GRPCInferenceService"
    try await Self.withFront(Waiting(), board: board) { _, address in
      let patients = 2 * ProcessInfo.processInfo.activeProcessorCount + 1
      let (ready, watching) = AsyncStream<Void>.makeStream()
      // Each patient caller's stream, open throughout (a Watch relays each change of status):
      // true when it carried the change made after the flood.
      let outcomes = Task {
        try await withThrowingTaskGroup(of: Bool.self) { group in
          for _ in 0..<patients {
            group.addTask {
              try await RawClient.with(address, security: .plaintext) { client in
                do {
                  return try await Grpc_Health_V1_Health.Client(wrapping: client).watch(.with { $0.service = service }) { response in
                    for try await message in response.messages {
                      if message.status == .serving { watching.yield() }
                      if message.status == .notServing { return true }
                    }
                    return false
                  }
                } catch {
                  return false
                }
              }
            }
          }
          return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
      }
      var watchers = ready.makeAsyncIterator()
      for _ in 0..<patients { await watchers.next() }
      // 300 relayed calls started and cancelled by one caller.
      try await RawClient.with(address, security: .plaintext) { careless in
        let health = Grpc_Health_V1_Health.Client(wrapping: careless)
        for _ in 0..<300 {
          let (started, opened) = AsyncStream<Void>.makeStream()
          let call = Task {
            // The caller's own calls may fail once it trips the server's limit: that is its doing.
            defer { opened.finish() }
            try await health.watch(.with { $0.service = service }) { response in
              for try await _ in response.messages { opened.yield() }
            }
          }
          var first = started.makeAsyncIterator()
          await first.next()
          call.cancel()
          _ = await call.result
        }
      }
      // Every other caller's stream still carries the next change.
      board.set(.notServing, for: service)
      let seen = try await outcomes.value
      #expect(seen.count == patients && seen.allSatisfy { $0 })
    }
  }

  @Test func aDrainLetsCallsInFlightFinish() async throws {
    let waiting = Waiting()
    try await Self.withFront(waiting) { front, address in
      try await RawClient.with(address, security: .plaintext) { client in
        var starts = waiting.started.stream.makeAsyncIterator()
        let call = Task { try await Self.inference(client).serverLive(.init(), options: RawClient.shortCall).live }
        await starts.next()
        front.beginGracefulShutdown()
        // No new connections once draining.
        var refused = false
        for _ in 0..<250 where !refused {
          refused = !Self.connects(to: address)
          if !refused { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(refused)
        // The call in flight is answered.
        waiting.release.withLock { $0?.resume(); $0 = nil }
        let live = try await call.value
        #expect(live)
      }
    }
  }
}

/// Bytes as they are, for calls with messages no stub would send.
struct RawBytes: MessageSerializer, MessageDeserializer {
  func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
  func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
    serializedMessageBytes.withUnsafeBytes { Array($0) }
  }
}
