public import EdgeWire
import EdgeProto
import EdgeRouting
import GRPCCore
public import Logging
import SwiftProtobuf
import EdgeServer

/// Checks every registered node with `grpc.health.v1` over the router's pooled connections, every
/// `interval`. An answered check's time is the router's round trip to the node (a health check
/// is the cheapest call a node answers, so its time is mostly the network's); it feeds the
/// selector's estimate. A check that fails, says NOT_SERVING or outlasts `timeout` takes the
/// node out at once and counts against it, so a node that hangs (alive but not answering) leaves
/// the rotation within one interval and the timeout, before its heartbeats would expire; it
/// returns after a probation of passed checks (NodeRegistry).
public struct HealthProber: Sendable {
  public let view: ClusterView
  public let pool: NodeClientPool
  public var interval: Duration
  public var timeout: Duration
  public let logger: Logger
  /// The service a node reports in its health board.
  static let service = "inference.GRPCInferenceService"

  public init(view: ClusterView, pool: NodeClientPool, interval: Duration, timeout: Duration, logger: Logger) {
    self.view = view
    self.pool = pool
    self.interval = interval
    self.timeout = timeout
    self.logger = logger
  }

  /// Checks until cancelled; each round checks every node with current heartbeats at once.
  public func run() async {
    while !Task.isCancelled {
      let nodes = view.liveNodes()
      await withDiscardingTaskGroup { group in
        for node in nodes {
          group.addTask { await probe(id: node.id, address: node.address) }
        }
      }
      try? await Task.sleep(for: interval)
    }
  }

  func probe(id: String, address: String) async {
    var options = CallOptions.defaults
    options.timeout = timeout
    do {
      let health = Grpc_Health_V1_Health.Client(wrapping: try pool.client(for: address))
      let started = ContinuousClock.now
      let limit = timeout + Self.grace
      let callOptions = options
      guard let answer = await Self.result(within: limit, of: { try await health.check(.with { $0.service = Self.service }, options: callOptions) })
      else {
        fail(id, reason: "no answer within \(limit)")
        return
      }
      let response = try answer.get()
      guard response.status == .serving else {
        fail(id, reason: "reports \(response.status)")
        return
      }
      view.recordCheck(id, roundTrip: ContinuousClock.now - started)
      view.passCheck(id)
    } catch {
      fail(id, reason: "\(error)")
    }
  }

  /// How long past its deadline a check may take before the prober stops waiting for it.
  static let grace = Duration.seconds(1)

  /// The operation's result, or nil once `limit` has passed. The operation runs detached
  /// (DetachableCall), cancelled and left behind if it outlasts the limit: a check whose call
  /// waited past its deadline and its cancellation (a stopping router's, on a pooled client that
  /// never connected) held the prober, and with it the router's stop, for ever.
  static func result<T: Sendable>(
    within limit: Duration, of operation: @escaping @Sendable () async throws -> T
  ) async -> Result<T, any Error>? {
    await withTaskGroup(of: Result<T, any Error>?.self) { group in
      group.addTask {
        do {
          return .success(try await DetachableCall.run(operation, mayCancel: { true }))
        } catch is CancellationError where Task.isCancelled {
          return nil  // the limit passed (or the prober stopped) first
        } catch {
          return .failure(error)
        }
      }
      group.addTask {
        try? await Task.sleep(for: limit)
        return nil
      }
      let first = await group.next() ?? nil
      group.cancelAll()
      return first
    }
  }

  private func fail(_ id: String, reason: String) {
    logger.warning("health check failed; node out until it passes again", metadata: ["node": "\(id)", "reason": "\(reason)"])
    view.failCheck(id)
    view.recordFailure(id)
  }
}
