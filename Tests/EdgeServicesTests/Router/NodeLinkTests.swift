import EdgeNodeService
import EdgeProto
import EdgeSecurity
import EdgeTestSupport
import EdgeServer
import EdgeWire
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import SwiftProtobuf
import Testing

/// The router's data-plane link (NodeLink) against real nodes: the same answers a gRPC client
/// gets, the node's errors as the node gave them, many calls on one connection with its flow
/// control windows small enough to turn over, cancellation that resets only its own stream, and
/// a node that goes away and comes back.
@Suite(.serialized) struct NodeLinkTests {
  static let path = "/inference.GRPCInferenceService/ModelInfer"
  static let deadline = [(GRPCTimeout.forwardedKey, GRPCTimeout.format(.seconds(5)))]

  static func request(model: String = "digits", rows: Range<Int>) throws -> [UInt8] {
    var request = DigitsFixture.request(rows: rows)
    request.modelName = model
    return try request.serializedBytes()
  }

  /// A node of `cluster` on its own (no router), listening on `port` (0: any).
  static func node(_ cluster: TestCluster, id: String = "node-1", port: Int = 0, repository: String? = nil) -> EdgeNode {
    var configuration = NodeConfiguration(
      identity: NodeIdentity(id: id, region: "eu-west", location: TestCluster.paris),
      listen: ServiceAddress(host: "127.0.0.1", port: port), repository: repository ?? "\(cluster.folder.path)/models", routers: [],
      security: cluster.insecure ? .plaintext : .tls(cluster.pki.identity(id)))
    // Room for every call the tests make at once: what they test is the link, not shedding.
    configuration.capacity = 1024
    return EdgeNode(configuration: configuration, logger: TestCluster.logger)
  }

  static func security(_ cluster: TestCluster) -> TransportSecurityMode {
    cluster.insecure ? .plaintext : .tls(cluster.pki.identity("router"))
  }

  @Test(arguments: [false, true]) func answersAsAGRPCClientIsAnswered(insecure: Bool) async throws {
    let cluster = try TestCluster(insecure: insecure)
    let node = Self.node(cluster)
    let running = Task { try await node.run() }
    defer { running.cancel() }
    let address = await node.listeningAddress()
    let links = NodeLinkPool(security: Self.security(cluster))
    defer { links.shutdown() }
    let link = try links.link(for: "\(address)")

    let bytes = try await link.unary(path: Self.path, metadata: Self.deadline, message: try Self.request(rows: 0..<5))
    let answer = try Inference_ModelInferResponse(serializedBytes: bytes)
    let expected = try await RawClient.with(
      address, security: Self.security(cluster).client()
    ) { client in
      try await Inference_GRPCInferenceService.Client(wrapping: client).modelInfer(DigitsFixture.request(rows: 0..<5))
    }
    #expect(answer.modelName == "digits")
    #expect(answer.rawOutputContents == expected.rawOutputContents)
    #expect(answer.outputs.map(\.name) == expected.outputs.map(\.name))

    // The node's own errors, as a gRPC client would see them.
    await #expect(throws: RPCError.self) { try await link.unary(path: Self.path, metadata: [], message: [0xFF, 0xFF]) }
    do {
      _ = try await link.unary(path: Self.path, metadata: Self.deadline, message: try Self.request(model: "absent", rows: 0..<1))
      Issue.record("a model the node does not have was answered")
    } catch let error as RPCError {
      #expect(error.code == .notFound)
      #expect(error.isModelCondition && error.allowsFailover)
    }
    // A request larger than every flow-control window (the node refuses its extra input only
    // once it has read it all).
    var oversized = DigitsFixture.request(rows: 0..<1)
    var extra = Inference_ModelInferRequest.InferInputTensor()
    extra.name = "ballast"
    extra.datatype = "UINT8"
    extra.shape = [1, 1 << 20]
    oversized.inputs.append(extra)
    oversized.rawInputContents.append(Data(count: 1 << 20))
    do {
      _ = try await link.unary(path: Self.path, metadata: Self.deadline, message: try oversized.serializedBytes())
      Issue.record("a request with an input the model does not have was answered")
    } catch let error as RPCError {
      #expect(error.code == .invalidArgument, "\(error)")
    }
    #expect(link.isConnected)
  }

  // A window that is never credited again stalls the calls: the time limit reports it.
  @Test(.timeLimit(.minutes(1))) func manyCallsShareOneConnectionAndItsWindowsTurnOver() async throws {
    let cluster = try TestCluster()
    let node = Self.node(cluster)
    let running = Task { try await node.run() }
    defer { running.cancel() }
    let address = await node.listeningAddress()
    // Windows a few answers wide: the connection's must be credited again and again.
    let links = NodeLinkPool(security: Self.security(cluster), maximumResponseBytes: 2000)
    defer { links.shutdown() }
    let link = try links.link(for: "\(address)")
    let request = try Self.request(rows: 0..<5)
    let answers = try await withThrowingTaskGroup(of: Int.self) { group in
      for _ in 0..<300 {
        group.addTask { try await Inference_ModelInferResponse(serializedBytes: link.unary(path: Self.path, metadata: Self.deadline, message: request)).rawOutputContents.count }
      }
      return try await group.reduce(into: [Int]()) { $0.append($1) }
    }
    #expect(answers.count == 300 && answers.allSatisfy { $0 == 2 })
    #expect(links.connectedCount == 1 && links.connectionsOpened == 1)

    // An answer over the limit is refused, and only that call fails.
    let small = NodeLinkPool(security: Self.security(cluster), maximumResponseBytes: 100)
    defer { small.shutdown() }
    do {
      _ = try await small.link(for: "\(address)").unary(path: Self.path, metadata: Self.deadline, message: request)
      Issue.record("an answer over the limit was taken")
    } catch let error as RPCError {
      #expect(error.code == .resourceExhausted, "\(error)")
    }
    // The same connection answers the next call (the refused stream was reset, not the link).
    do {
      _ = try await small.link(for: "\(address)").unary(
        path: Self.path, metadata: Self.deadline, message: try Self.request(model: "absent", rows: 0..<1))
      Issue.record("a model the node does not have was answered")
    } catch let error as RPCError {
      #expect(error.code == .notFound, "\(error)")
    }
    #expect(small.connectedCount == 1)
  }

  @Test func aCancelledCallEndsAtOnceAndTheConnectionServesOn() async throws {
    let cluster = try TestCluster()
    // Batches wait 3 s to fill: a call is still queued when it is cancelled.
    let node = Self.node(cluster, repository: try cluster.slowRepository(queueDelay: .seconds(3)))
    let running = Task { try await node.run() }
    defer { running.cancel() }
    let address = await node.listeningAddress()
    let links = NodeLinkPool(security: Self.security(cluster))
    defer { links.shutdown() }
    let link = try links.link(for: "\(address)")
    let request = try Self.request(rows: 0..<1)
    let call = Task { try await link.unary(path: Self.path, metadata: Self.deadline, message: request) }
    try await Task.sleep(for: .milliseconds(200))
    call.cancel()
    let result = await call.result
    #expect(throws: RPCError.self) { try result.get() }
    if case .failure(let error as RPCError) = result { #expect(error.code == .cancelled) }
    // Cancelled before it starts: no stream at all.
    let early = Task {
      withUnsafeCurrentTask { $0?.cancel() }
      return try await link.unary(path: Self.path, metadata: Self.deadline, message: request)
    }
    await #expect(throws: (any Error).self) { try await early.value }
    // The connection still serves: a full batch does not wait for the queue delay.
    let full = try await link.unary(path: Self.path, metadata: Self.deadline, message: try Self.request(rows: 0..<64))
    #expect(try Inference_ModelInferResponse(serializedBytes: full).modelName == "digits")
    #expect(links.connectedCount == 1)
  }

  @Test func aNodeThatGoesAwayIsUnavailableAndItsReturnIsFound() async throws {
    let cluster = try TestCluster()
    let first = Self.node(cluster)
    let running = Task { try await first.run() }
    let address = await first.listeningAddress()
    let links = NodeLinkPool(security: Self.security(cluster))
    defer { links.shutdown() }
    let link = try links.link(for: "\(address)")
    let request = try Self.request(rows: 0..<2)
    _ = try await link.unary(path: Self.path, metadata: Self.deadline, message: request)
    #expect(links.connectionsOpened == 1)

    running.cancel()
    await TestCluster.awaitStop(of: running, named: "node")
    do {
      _ = try await link.unary(path: Self.path, metadata: Self.deadline, message: request)
      Issue.record("a stopped node answered")
    } catch let error as RPCError {
      #expect(error.code == .unavailable, "\(error)")
      #expect(error.allowsFailover)
    }

    let second = Self.node(cluster, port: address.port)
    let again = Task { try await second.run() }
    defer { again.cancel() }
    _ = await second.listeningAddress()
    // Within the connect backoff calls fail at once; after it, the link connects again.
    try await cluster.waitUntil {
      (try? await link.unary(path: Self.path, metadata: Self.deadline, message: request)) != nil
    }
    #expect(link.isConnected)
    // The metric that shows connections torn down under overload counts the new one.
    #expect(links.connectionsOpened == 2)

    // Nothing listens: UNAVAILABLE, not a hang.
    await #expect(throws: RPCError.self) {
      try await links.link(for: "127.0.0.1:1").unary(path: Self.path, metadata: Self.deadline, message: request)
    }
  }

  @Test func aNodeWithTheWrongCertificateIsRefused() async throws {
    let cluster = try TestCluster()
    let other = try TestCluster()
    // A node whose certificate another CA issued: the link's handshake fails.
    let node = Self.node(other)
    let running = Task { try await node.run() }
    defer { running.cancel() }
    let address = await node.listeningAddress()
    let links = NodeLinkPool(security: Self.security(cluster))
    defer { links.shutdown() }
    do {
      _ = try await links.link(for: "\(address)").unary(path: Self.path, metadata: Self.deadline, message: try Self.request(rows: 0..<1))
      Issue.record("a node of another CA was trusted")
    } catch let error as RPCError {
      #expect(error.code == .unavailable, "\(error)")
    }
  }
}
