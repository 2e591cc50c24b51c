public import EdgeProto
public import EdgeSecurity
import GRPCCore
import GRPCNIOTransportHTTP2
public import Logging
import Synchronization
import EdgeServer

/// Keeps one node registered with one router: Register, then Heartbeat on the interval the
/// router asks for, registering again whenever the router forgets the node or cannot be
/// reached. On drain it deregisters, so the router stops routing to the node before it closes.
public final class HeartbeatSender: Sendable {
  public let router: ServiceAddress
  private let client: GRPCClient<HTTP2ClientTransport.Posix>
  private let status: @Sendable () -> Edgeinfer_V1_NodeStatus
  private let logger: Logger
  private let draining = Atomic<Bool>(false)
  /// Used until the router states its own interval.
  private let defaultInterval: Duration
  /// Told the router's id at each registration (the node takes repository calls from it).
  private let onRegistered: @Sendable (String) -> Void

  public init(
    router: ServiceAddress, security: TransportSecurityMode, defaultInterval: Duration = .milliseconds(500),
    logger: Logger, onRegistered: @escaping @Sendable (String) -> Void = { _ in },
    status: @escaping @Sendable () -> Edgeinfer_V1_NodeStatus
  ) throws {
    self.router = router
    self.onRegistered = onRegistered
    self.status = status
    self.logger = logger
    self.defaultInterval = defaultInterval
    let transport = try HTTP2ClientTransport.Posix(
      target: router.target, transportSecurity: security.client(),
      config: .defaults { $0.backoff.max = .seconds(1) })
    self.client = GRPCClient(transport: transport)
  }

  /// Beats until drained or cancelled.
  public func run() async {
    await withDiscardingTaskGroup { group in
      group.addTask { try? await self.client.runConnections() }
      await beat()
      client.beginGracefulShutdown()
    }
  }

  private func beat() async {
    let registry = Edgeinfer_V1_Registry.Client(wrapping: client)
    var interval = defaultInterval
    var registered = false
    var reportedFailure = false
    var sequence: UInt64 = 0
    var options = CallOptions.defaults
    options.timeout = .seconds(2)
    while !Task.isCancelled && !draining.load(ordering: .relaxed) {
      do {
        if registered {
          sequence += 1
          var request = Edgeinfer_V1_HeartbeatRequest()
          request.node = status()
          request.sequence = sequence
          registered = try await registry.heartbeat(request, options: options).known
        } else {
          var request = Edgeinfer_V1_RegisterRequest()
          request.node = status()
          let response = try await registry.register(request, options: options)
          if response.heartbeatIntervalMs > 0 { interval = .milliseconds(Int64(response.heartbeatIntervalMs)) }
          registered = true
          if !response.routerID.isEmpty { onRegistered(response.routerID) }
          logger.info("registered with router", metadata: ["router": "\(router)", "router_id": "\(response.routerID)"])
        }
        reportedFailure = false
      } catch {
        registered = false
        if !reportedFailure {
          logger.warning("cannot reach router; retrying", metadata: ["router": "\(router)", "error": "\(error)"])
          reportedFailure = true
        }
      }
      try? await Task.sleep(for: interval)
    }
  }

  /// Stops beating and asks the router to take the node out of rotation now.
  public func drain(nodeID: String) async {
    draining.store(true, ordering: .relaxed)
    var options = CallOptions.defaults
    options.timeout = .seconds(1)
    var request = Edgeinfer_V1_DeregisterRequest()
    request.nodeID = nodeID
    do {
      _ = try await Edgeinfer_V1_Registry.Client(wrapping: client).deregister(request, options: options)
    } catch {
      logger.warning("deregistration failed; the router will expire the node", metadata: ["router": "\(router)", "error": "\(error)"])
    }
  }
}
