public import EdgeWire
public import EdgeObservability
import EdgeProto
import EdgeRouting
import EdgeRuntime
public import EdgeSecurity
import GRPCCore
import GRPCNIOTransportHTTP2
import Foundation
import NIOSSL
public import Logging
public import ServiceLifecycle
public import EdgeServer

/// A geo-router: routes each client request to the nearest healthy node that has the model,
/// from a registry that nodes keep current with heartbeats. It holds no other state, so any
/// number of routers can run side by side.
public final class EdgeRouter: Service, Sendable {
  public let configuration: RouterConfiguration
  public let view: ClusterView
  public let pool: NodeClientPool
  /// The data plane's connections to nodes (ModelInfer); the pool above carries the rest.
  public let links: NodeLinkPool
  public let metrics: RouterMetrics
  public let health = HealthBoard(services: ["inference.GRPCInferenceService", "edgeinfer.v1.Registry"])
  private let logger: Logger
  private let bound = PublishedValue<BoundAddresses>()
  /// Spans of each request (route, attempts), when they are exported (TraceExport).
  private let tracer: RequestTracer?

  /// The ports the router listens on, once bound.
  public struct BoundAddresses: Sendable {
    public var clients: ServiceAddress
    public var cluster: ServiceAddress
    /// The Prometheus listener, when configured.
    public var metrics: ServiceAddress?
    /// The operator dashboard, when configured.
    public var dashboard: ServiceAddress?
    /// The REST (KServe v2) listener, when configured.
    public var http: ServiceAddress?
  }

  public init(configuration: RouterConfiguration, logger: Logger = Logger(label: "edge-router"), tracer: RequestTracer? = nil) {
    self.configuration = configuration
    self.tracer = tracer
    self.metrics = RouterMetrics(
      router: configuration.id, region: configuration.region, recording: configuration.metricsListen != nil)
    var logger = logger
    logger[metadataKey: "router"] = "\(configuration.id)"
    self.logger = logger
    var registry = NodeRegistry(expiry: configuration.heartbeatExpiry, unreachableBench: .seconds(1))
    registry.panicThreshold = configuration.panicThreshold
    registry.failOpen = configuration.failOpen
    let failOpen = configuration.failOpen
    self.view = ClusterView(location: configuration.location, registry: registry) { [logger] panic in
      if panic {
        logger.error(
          "panic: most nodes are out of rotation; \(failOpen ? "failing open: routing to every node with current heartbeats" : "failing closed: routing only to nodes in rotation")")
      } else {
        logger.notice("panic over: routing to nodes in rotation")
      }
    }
    self.pool = NodeClientPool(security: configuration.security)
    self.links = NodeLinkPool(security: configuration.security, maximumResponseBytes: configuration.maxMessageBytes)
  }

  public func listeningAddresses() async -> BoundAddresses {
    await bound.value
  }

  public func run() async throws {
    let residency = ResidencyResolver(routerRegion: configuration.region, transit: configuration.transit, metrics: metrics)
    var forwarder = NodeForwarder(view: view, pool: pool, links: links, metrics: metrics, logger: logger)
    forwarder.defaultHedgeDelay = configuration.hedgeDelay
    forwarder.maxDeadline = configuration.maxDeadline
    forwarder.residency = residency
    forwarder.tracer = tracer
    let refusals = RefusalLog(logger: logger)
    forwarder.refusals = refusals
    let audit = try AuditLog(path: configuration.auditLog, logger: logger)
    let keys = try configuration.apiKeysFile.map { try APIKeyGate(path: $0, logger: logger, audit: audit) }
    let usage = try UsageRecorder(path: configuration.usageLog, logger: logger)
    var inference = RouterInferenceService(forwarder: forwarder, limits: RequestLimits(maxRequestBytes: configuration.maxMessageBytes))
    inference.routerID = configuration.id
    inference.usage = usage
    let dashboard = configuration.dashboardListen.map { _ in DashboardRecorder() }
    inference.dashboard = dashboard
    let plaintext = if case .plaintext = configuration.security { true } else { false }
    let reservedNodeIDs = Self.reservedNodeIDs(configuration)
    func registry(acceptsRegistrations: Bool) -> RegistryService {
      var service = RegistryService(
        routerID: configuration.id, view: view, acceptsRegistrations: acceptsRegistrations,
        heartbeatInterval: configuration.heartbeatInterval, metrics: metrics, logger: logger)
      service.usage = usage
      service.residency = residency
      service.reservedNodeIDs = reservedNodeIDs
      return service
    }
    var clientAccess = AccessInterceptor(
      policy: AccessPolicy(
        listener: .client, keysRequired: keys != nil, adminNames: configuration.adminNames, plaintext: plaintext,
        insecureAdmin: configuration.insecureAdmin),
      keys: keys, audit: audit)
    var clusterAccess = AccessInterceptor(
      policy: AccessPolicy(
        listener: .cluster, adminNames: configuration.adminNames, plaintext: plaintext, insecureAdmin: configuration.insecureAdmin),
      audit: audit)
    // Counted on the page, and logged once per cause and interval: a flood of bad keys costs
    // the log a line every ten seconds.
    let onRefusal: @Sendable (AccessError) -> Void = { [metrics] refusal in
      metrics.refused(refusal)
      refusals.refused(refusal.reason, refusal.description)
    }
    clientAccess.onRefusal = onRefusal
    clusterAccess.onRefusal = onRefusal
    // The client listener is the front (FrontListener): ModelInfer and ServerLive are answered
    // from its HTTP/2 frames, every other call is relayed to this gRPC server on a private
    // Unix socket, which runs the same access checks with the caller's address from the front.
    clientAccess.trustsRelayedPeer = true
    let relayFolder = try PrivateFolder(prefix: "edge-router")
    defer { relayFolder.remove() }
    let relaySocket = relayFolder.path + "/grpc.sock"
    let clientServer = GRPCServer(
      transport: .http2NIOPosix(
        address: .unixDomainSocket(path: relaySocket), transportSecurity: .plaintext,
        config: .defaults {
          $0.rpc.maxRequestPayloadSize = configuration.maxMessageBytes.multipliedReportingOverflow(by: 4).partialValue
          $0.connection.flushCoalescing = nil
        }),
      services: [RouterInferenceRoutes(inference), registry(acceptsRegistrations: false), HealthService(board: health)],
      interceptors: [clientAccess])
    let admission = clientAccess
    let inferenceRoutes = inference
    // ModelInfer as the front answers it, and as REST's infer reaches it: one path to the nodes.
    let inferRoute = FrontRoute(
      Inference_GRPCInferenceService.Method.ModelInfer.descriptor, admit: { try admission.admit($0) },
      handle: { call, caller in
        try await Caller.$current.withValue(caller) { try await inferenceRoutes.forwardInfer(call.message, metadata: call.metadata) }
      })
    var frontConfiguration = FrontListener.Configuration(
      listen: configuration.listen, security: configuration.security,
      routes: [
        inferRoute,
        FrontRoute(
          Inference_GRPCInferenceService.Method.ServerLive.descriptor, admit: { try admission.admit($0) },
          handle: { _, _ in Self.liveAnswer }),
        HealthService.checkRoute(board: health, admit: { try admission.admit($0) }),
      ],
      maxRequestBytes: configuration.maxMessageBytes.multipliedReportingOverflow(by: 4).partialValue, relaySocket: relaySocket)
    frontConfiguration.onCertificateEvent = { [logger] in logger.log(certificate: $0) }
    let front = FrontListener(configuration: frontConfiguration)
    // The cluster listener takes nodes' registrations and, from admin certificates only, the
    // admin plane: repository changes, usage, and the reads an operator needs beside them.
    let clusterServer = GRPCServer(
      transport: .http2NIOPosix(
        address: configuration.clusterListen.bindTarget,
        transportSecurity: configuration.security.server(requireClientCertificate: true)),
      services: [RouterInferenceRoutes(inference), registry(acceptsRegistrations: true), HealthService(board: health)],
      interceptors: [clusterAccess])

    // What calls finishing during the drain metered is written too: the flusher stops with the
    // drain's start, the servers after it.
    defer { usage.flush() }
    // Rescues and deadlines of forwarded calls hold until the servers have drained, not just
    // until the drain begins.
    let attemptChecks = Task { [view, forwarder] in await view.watchAttempts(every: forwarder.rescueInterval) }
    defer { attemptChecks.cancel() }
    // Calls forwarded while the servers drain still need their nodes: the links close after.
    defer { links.shutdown() }
    try await withThrowingDiscardingTaskGroup { group in
      group.addTask { try await front.serveUntilCancelled(behind: clientServer) }
      group.addTask { try await clusterServer.serveUntilCancelled() }
      group.addTask { await self.pool.run() }
      // Flushes usage every second until the drain, then once more.
      group.addTask { await cancelWhenGracefulShutdown { await usage.run() } }
      if let keys {
        group.addTask { await cancelWhenGracefulShutdown { await keys.watch() } }
      }
      let clients = try await front.listeningAddress()
      let cluster = try await Self.port(of: clusterServer, configured: configuration.clusterListen)
      var metricsAddress: ServiceAddress?
      if let listen = configuration.metricsListen {
        metrics.sample(view: view, usage: usage, links: links)
        let page = metrics.service
        metricsAddress = try await HTTPListener(listen: listen, logger: logger) { MetricsPage.add(to: $0, metrics: page) }
          .serve(in: &group)
      }
      var dashboardAddress: ServiceAddress?
      if let listen = configuration.dashboardListen, let dashboard {
        let state = dashboardState(dashboard)
        dashboardAddress = try await HTTPListener(listen: listen, tls: try httpTLS(), logger: logger) {
          DashboardPage.add(to: $0, keys: keys, refusals: refusals, state: state)
        }.serve(in: &group)
      }
      var httpAddress: ServiceAddress?
      if let listen = configuration.httpListen {
        let maxRequestBytes = configuration.maxMessageBytes.multipliedReportingOverflow(by: 4).partialValue
        httpAddress = try await HTTPListener(listen: listen, tls: try httpTLS(), logger: logger) {
          KServeRoutes.add(
            to: $0, live: { true }, ready: { inferenceRoutes.isReady }, infer: inferRoute, maxRequestBytes: maxRequestBytes)
        }.serve(in: &group)
      }
      bound.publish(
        BoundAddresses(clients: clients, cluster: cluster, metrics: metricsAddress, dashboard: dashboardAddress, http: httpAddress))
      if let path = configuration.readyFile {
        var addresses = ["clients": "\(clients)", "cluster": "\(cluster)"]
        addresses["metrics"] = metricsAddress.map { "\($0)" }
        addresses["dashboard"] = dashboardAddress.map { "\($0)" }
        addresses["http"] = httpAddress.map { "\($0)" }
        try ReadyFile.write(addresses, to: path)
      }
      var serving: Logger.Metadata = [
        "clients": "\(clients)", "cluster": "\(cluster)", "location": "\(configuration.location)",
        "region": "\(configuration.region ?? "none")", "admin": "\(configuration.adminNames.sorted().joined(separator: ","))",
      ]
      serving["metrics"] = metricsAddress.map { "\($0)" }
      let scheme = if case .tls = configuration.security { "https" } else { "http" }
      serving["dashboard"] = dashboardAddress.map { "\(scheme)://\($0)/" }
      serving["http"] = httpAddress.map { "\(scheme)://\($0)" }
      logger.info("serving", metadata: serving)
      group.addTask { [self] in
        // Forget long-silent nodes and close connections to departed ones, so neither the
        // registry nor the pool grows without bound.
        try? await cancelWhenGracefulShutdown { [self] in
          while !Task.isCancelled {
            try await Task.sleep(for: configuration.heartbeatExpiry)
            view.prune()
            let addresses = Set(view.snapshot().map(\.descriptor.address))
            pool.retain(addresses)
            links.retain(addresses)
          }
        }
      }
      group.addTask { [self] in
        let prober = HealthProber(
          view: view, pool: pool, interval: configuration.healthCheckInterval, timeout: configuration.healthCheckTimeout,
          logger: logger)
        await cancelWhenGracefulShutdown { await prober.run() }
      }
      group.addTask { [self] in
        guard (try? await gracefulShutdown()) != nil else { return }
        logger.info("shutting down")
        health.setAllNotServing()
        front.beginGracefulShutdown()
        clusterServer.beginGracefulShutdown()
        pool.shutdown()
      }
    }
    logger.info("stopped")
  }

  /// The dashboard's state as its page reads it: this router, the registry's nodes and the last
  /// minute's traffic.
  private func dashboardState(_ recorder: DashboardRecorder) -> @Sendable () -> Data {
    { [view, configuration] in
      let rotation = view.rotation()
      let router = DashboardState.Router(
        id: configuration.id, region: configuration.region, latitude: configuration.location.latitude,
        longitude: configuration.location.longitude, inRotation: rotation.inRotation, live: rotation.live, panic: rotation.panic)
      return DashboardState(router: router, nodes: view.snapshot(), traffic: recorder.summary()).json()
    }
  }

  /// HTTPS for the dashboard and REST listeners, with the router's own certificate (browsers,
  /// curl and health probes need no client certificate), or nil on a plaintext router.
  private func httpTLS() throws -> TLSConfiguration? {
    guard case .tls(let identity) = configuration.security else { return nil }
    var tls = try identity.nioServerConfiguration(onCertificateEvent: { [logger] in logger.log(certificate: $0) })
    tls.applicationProtocols = ["http/1.1"]
    return tls
  }

  /// Names no node may register under: the shared names in this router's certificate, its id,
  /// and the admin names.
  static func reservedNodeIDs(_ configuration: RouterConfiguration) -> Set<String> {
    let certificate: String? = if case .tls(let identity) = configuration.security { identity.certificatePath } else { nil }
    return SharedNames.of(certificateAt: certificate).union(configuration.adminNames).union([configuration.id])
  }

  /// `ServerLiveResponse { live: true }`, serialized: the router is live while it answers.
  private static let liveAnswer: [UInt8] = [0x08, 0x01]

  private static func port(
    of server: GRPCServer<HTTP2ServerTransport.Posix>, configured: ServiceAddress
  ) async throws -> ServiceAddress {
    let listening = try await server.listeningAddress
    guard let port = listening?.ipv4?.port ?? listening?.ipv6?.port else {
      throw RPCError(code: .internalError, message: "server did not bind \(configured)")
    }
    return ServiceAddress(host: configured.host, port: port)
  }

}
