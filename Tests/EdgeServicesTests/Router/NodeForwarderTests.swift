import EdgeRouting
import EdgeSecurity
@testable import EdgeRouterService
import EdgeWire
import GRPCCore
import Logging
import Synchronization
import Testing

/// The router's attempt loop driven over a scripted NodeCaller: three nodes ranked a (Paris),
/// b (London), c (New York) for a client in Paris, each answering as a test says.
@Suite struct NodeForwarderTests {
  /// Answers per node as `script` says, recording the order of calls.
  final class ScriptedCaller: NodeCaller {
    let calls = Mutex<[String]>([])
    let script: @Sendable (String) async throws -> String

    init(script: @escaping @Sendable (String) async throws -> String) {
      self.script = script
    }

    func call(_ node: RankedNode, timeout: Duration) async throws -> String {
      calls.withLock { $0.append(node.node.id) }
      return try await script(node.node.id)
    }
  }

  static let paris = try! GeoPoint(latitude: 48.85, longitude: 2.35)

  static func forwarder() -> NodeForwarder {
    let view = ClusterView(location: paris)
    let places = [("a", 48.85, 2.35), ("b", 51.51, -0.13), ("c", 40.71, -74.0)]
    for (id, latitude, longitude) in places {
      view.record(
        NodeDescriptor(
          id: id, address: "127.0.0.1:1", region: id, location: try! GeoPoint(latitude: latitude, longitude: longitude),
          models: [ModelAvailability(name: "digits", version: "1", isReady: true)]))
    }
    return NodeForwarder(
      view: view, pool: NodeClientPool(security: .plaintext), links: NodeLinkPool(security: .plaintext), logger: Logger(label: "test"))
  }

  static func forward(
    _ forwarder: NodeForwarder, _ caller: ScriptedCaller, metadata: Metadata = [:]
  ) async -> Result<NodeForwarder.Outcome<String>, RPCError> {
    do {
      return .success(try await forwarder.forward(model: "digits", version: "", metadata: metadata, received: .now, via: caller))
    } catch let error as RPCError {
      return .failure(error)
    } catch {
      return .failure(RPCError(code: .unknown, message: "\(error)"))
    }
  }

  /// Waits until the task is cancelled: a node that never answers.
  static func hang() async throws -> String {
    while !Task.isCancelled { try await Task.sleep(for: .milliseconds(5)) }
    throw CancellationError()
  }

  @Test func anUnavailableNodeFailsOverToTheNext() async throws {
    let forwarder = Self.forwarder()
    let caller = ScriptedCaller { node in
      if node == "a" { throw RPCError(code: .unavailable, message: "down") }
      return node
    }
    let outcome = try await Self.forward(forwarder, caller).get()
    #expect(outcome.response == "b" && outcome.attempts == 2)
    #expect(caller.calls.withLock { $0 } == ["a", "b"])
    #expect(forwarder.metrics.snapshot().failovers == 1)
  }

  @Test func anErrorAboutTheRequestIsTheAnswerWithoutFailover() async {
    let forwarder = Self.forwarder()
    let caller = ScriptedCaller { _ in throw RPCError(code: .invalidArgument, message: "wrong shape") }
    let result = await Self.forward(forwarder, caller)
    #expect(result.failure?.code == .invalidArgument && result.failure?.message == "wrong shape")
    #expect(caller.calls.withLock { $0 } == ["a"])
  }

  @Test func aModelNotReadyAnywhereIsTheRoutersOwnAnswerAndTakesTheNodesOut() async {
    let forwarder = Self.forwarder()
    let caller = ScriptedCaller { _ in
      throw RPCError(code: .unavailable, message: "model 'digits' is not ready").markedAsModelCondition("not-ready")
    }
    let result = await Self.forward(forwarder, caller)
    #expect(result.failure?.code == .unavailable)
    #expect(result.failure?.message == "no healthy node has model 'digits' ready")
    #expect(caller.calls.withLock { $0 } == ["a", "b", "c"])
    #expect(forwarder.view.rank(model: "digits", version: "", from: Self.paris).isEmpty)
  }

  @Test func whenEveryNodeShedsTheCallerGetsTheLastRefusalAndItsPushback() async {
    let forwarder = Self.forwarder()
    let caller = ScriptedCaller { node in
      throw RPCError(code: .resourceExhausted, message: "busy \(node)", metadata: ["grpc-retry-pushback-ms": "40"])
    }
    let result = await Self.forward(forwarder, caller)
    #expect(result.failure?.code == .resourceExhausted && result.failure?.message == "busy c")
    #expect(result.failure?.metadata[stringValues: "grpc-retry-pushback-ms"].first(where: { _ in true }) == "40")
  }

  @Test func aRequestWaitingOnANodeThatLeavesTheRotationIsRescued() async throws {
    let forwarder = Self.forwarder()
    let (started, signal) = AsyncStream<Void>.makeStream()
    let caller = ScriptedCaller { node in
      if node == "a" {
        signal.yield()
        return try await Self.hang()
      }
      return node
    }
    async let result = Self.forward(forwarder, caller)
    for await _ in started { break }
    // The health checks take the hung node out; the router's one check wakes its requests.
    while forwarder.view.attemptWatch.waiting == 0 { try? await Task.sleep(for: .milliseconds(1)) }
    forwarder.view.failCheck("a")
    forwarder.view.checkAttempts()
    let outcome = try await result.get()
    #expect(outcome.response == "b" && outcome.attempts == 2)
    #expect(forwarder.metrics.snapshot().rescues == 1)
  }

  @Test func aSlowNodeIsHedgedAndTheFirstAnswerWins() async throws {
    let forwarder = Self.forwarder()
    let caller = ScriptedCaller { node in
      if node == "a" { return try await Self.hang() }
      return node
    }
    let outcome = try await Self.forward(forwarder, caller, metadata: ["x-edge-hedge": "20"]).get()
    #expect(outcome.response == "b" && outcome.attempts == 2)
    #expect(forwarder.metrics.snapshot().hedges == 1)
  }

  @Test func aNodeThatNeverAnswersEndsAtTheDeadline() async {
    let forwarder = Self.forwarder()
    let caller = ScriptedCaller { _ in try await Self.hang() }
    async let result = Self.forward(forwarder, caller, metadata: ["grpc-timeout": "100m"])
    while forwarder.view.attemptWatch.waiting == 0 { try? await Task.sleep(for: .milliseconds(1)) }
    try? await Task.sleep(for: .milliseconds(120))
    forwarder.view.checkAttempts()
    let ended = await result
    #expect(ended.failure?.code == .deadlineExceeded)
    #expect(caller.calls.withLock { $0 } == ["a"])
  }
}

extension Result {
  var failure: Failure? {
    if case .failure(let error) = self { error } else { nil }
  }
}
