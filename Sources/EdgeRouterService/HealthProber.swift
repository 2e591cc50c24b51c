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
      let response = try await health.check(.with { $0.service = Self.service }, options: options)
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

  private func fail(_ id: String, reason: String) {
    logger.warning("health check failed; node out until it passes again", metadata: ["node": "\(id)", "reason": "\(reason)"])
    view.failCheck(id)
    view.recordFailure(id)
  }
}
