public import EdgeProto
public import EdgeObservability
public import EdgeRuntime
import EdgeRouting
public import EdgeSecurity
import GRPCCore
import GRPCNIOTransportHTTP2
public import Logging
public import ServiceLifecycle
import SwiftProtobuf
public import EdgeServer

/// An inference node: serves the Open Inference Protocol and health over TLS from its model
/// repository, and keeps itself registered with its routers. On graceful shutdown it leaves the
/// routers' rotation first, then finishes what is in flight, then exits.
public final class EdgeNode: Service, Sendable {
  public let configuration: NodeConfiguration
  public let store: ModelStore
  public let load: NodeLoadTracker
  public let statistics = StatisticsBook()
  /// The node's metrics page (served with `metricsListen`).
  public let metrics: NodeMetrics
  public let health = HealthBoard(services: ["inference.GRPCInferenceService"])
  /// Whether the executor answers; always while it runs in this process.
  public let executorAvailability = ExecutorAvailability()
  private let logger: Logger
  /// Spans of each request (infer, queue wait, batch), when they are exported (TraceExport).
  private let tracer: RequestTracer?
  private let bound = PublishedValue<ServiceAddress>()
  private let boundMetrics = PublishedValue<ServiceAddress?>()

  public init(configuration: NodeConfiguration, logger: Logger = Logger(label: "edge-node"), tracer: RequestTracer? = nil) {
    self.configuration = configuration
    self.tracer = tracer
    // With a separate executor the node needs the models' configurations, not their weights.
    self.store = ModelStore(repository: ModelRepository(root: configuration.repository), loadsWeights: configuration.executor == nil)
    self.load = NodeLoadTracker(capacity: configuration.capacity)
    self.metrics = NodeMetrics(node: configuration.identity.id, region: configuration.identity.region)
    var logger = logger
    logger[metadataKey: "node"] = "\(configuration.identity.id)"
    self.logger = logger
  }

  /// The address the node listens on, once it does.
  public func listeningAddress() async -> ServiceAddress {
    await bound.value
  }

  /// The metrics listener's address once listening; nil without one.
  public func metricsAddress() async -> ServiceAddress? {
    await boundMetrics.value
  }

  /// This node's status as the heartbeat reports it.
  public func status(advertising address: String) -> Edgeinfer_V1_NodeStatus {
    var status = Edgeinfer_V1_NodeStatus()
    status.nodeID = configuration.identity.id
    status.address = address
    status.region = configuration.identity.region
    status.location = Edgeinfer_V1_Location(configuration.identity.location)
    let executorUp = executorAvailability.isAvailable
    for (name, state) in store.states() {
      switch state {
      case .ready where !executorUp:
        status.models.append(.with { $0.name = name; $0.state = .unavailable })
      case .ready(let versions):
        for version in versions {
          status.models.append(.with { $0.name = name; $0.version = String(version); $0.state = .ready })
        }
      case .loading:
        status.models.append(.with { $0.name = name; $0.state = .loading })
      case .unavailable:
        status.models.append(.with { $0.name = name; $0.state = .unavailable })
      }
    }
    let report = load.report()
    status.load.queueDepth = UInt32(clamping: report.queueDepth)
    status.load.inFlight = UInt32(clamping: report.inFlight)
    status.load.capacity = UInt32(clamping: report.capacity)
    status.load.recentExecutionUs = report.recentExecutionMicroseconds
    status.load.instances = UInt32(clamping: report.instances)
    return status
  }

  /// `ServerLiveResponse { live: true }`, serialized.
  private static let liveAnswer: [UInt8] = [0x08, 0x01]

  public func run() async throws {
    for (model, error) in store.loadAll().sorted(by: { $0.key < $1.key }) {
      logger.error("model failed to load; serving the others", metadata: ["model": "\(model)", "error": "\(error)"])
    }
    for (model, state) in store.states() {
      if case .ready(let versions) = state {
        logger.info("model ready", metadata: ["model": "\(model)", "versions": "\(versions)"])
      }
    }
    // The gRPC server behind the front listens in here until every task below has ended.
    let relayFolder = try PrivateFolder(prefix: "edge-node")
    defer { relayFolder.remove() }
    try await withThrowingDiscardingTaskGroup { group in
      let executor: any BatchExecutor
      let remoteExecutor: ExecutorClient<HTTP2ClientTransport.Posix>?
      let stopExecutor: @Sendable () -> Void
      if let remote = configuration.executor {
        let client = GRPCClient(
          transport: try HTTP2ClientTransport.Posix(
            target: remote.target, transportSecurity: configuration.security.client(),
            config: .defaults {
              $0.backoff.max = .seconds(1)
              $0.connection.flushCoalescing = nil
            }))
        group.addTask { try? await client.runConnections() }
        var remote = ExecutorClient(client: client, name: remote.description)
        remote.tracer = tracer
        remoteExecutor = remote
        executor = remoteExecutor!
        stopExecutor = { client.beginGracefulShutdown() }
      } else {
        // In this process: batches go straight to the kernels' queue, with nothing serialized
        // (the Executor service is for a separate `edge-executor`).
        executor = LocalExecutor()
        remoteExecutor = nil
        stopExecutor = {}
      }
      let audit = try AuditLog(path: configuration.auditLog, logger: logger)
      let certificate: String? = if case .tls(let identity) = configuration.security { identity.certificatePath } else { nil }
      let routerNames = RouterNames(reserved: SharedNames.of(certificateAt: certificate))
      let plaintext = if case .plaintext = configuration.security { true } else { false }
      var configuredEngine = InferenceEngine(
        identity: configuration.identity, store: store, load: load, statistics: statistics, executor: executor,
        availability: executorAvailability, limits: configuration.limits,
        // Recorded only for a page someone can read: without one, requests pay nothing for it.
        metrics: configuration.metricsListen == nil ? nil : metrics, tracer: tracer)
      configuredEngine.accessLog = logger
      configuredEngine.refusals = RefusalLog(logger: logger)
      let engine = configuredEngine
      let monitor = remoteExecutor.map { watched in
        Task { [self] in
          await ExecutorMonitor(
            executor: watched, availability: executorAvailability, batchers: engine.batchers, logger: logger
          ).run()
        }
      }
      // The node's listener is its front (FrontListener): ModelInfer, ServerLive and health
      // checks are answered from its HTTP/2 frames, every other call is relayed to this gRPC
      // server on a private Unix socket, which runs the same checks with the caller's address
      // and certificate names from the front.
      let relaySocket = relayFolder.path + "/grpc.sock"
      var access = AccessInterceptor(
        policy: AccessPolicy(
          listener: .node, adminNames: configuration.adminNames, plaintext: plaintext, insecureAdmin: configuration.insecureAdmin),
        audit: audit, routers: routerNames)
      access.trustsRelayedPeer = true
      var allowList = configuration.allowedPeers.isEmpty ? nil : PeerAllowList(names: configuration.allowedPeers)
      allowList?.trustsRelayedPeer = true
      let maxRequestBytes = configuration.limits.maxRequestBytes.multipliedReportingOverflow(by: 4).partialValue
      let service = NodeInferenceService(engine: engine)
      let server = GRPCServer(
        transport: .http2NIOPosix(
          address: .unixDomainSocket(path: relaySocket), transportSecurity: .plaintext,
          config: .defaults {
            $0.rpc.maxRequestPayloadSize = maxRequestBytes
            $0.connection.flushCoalescing = nil
          }),
        services: [service, HealthService(board: health)],
        // Repository changes only from the routers' certificates and `--admin` ones; inference,
        // with `allowedPeers`, only from the names there.
        interceptors: [access] + (allowList.map { [$0] } ?? []))
      let admission = access
      let checkedPeers = allowList
      @Sendable func admit(_ call: FrontCall) throws -> Caller {
        let caller = try admission.admit(call)
        try checkedPeers?.check(
          CallClass.of(service: call.descriptor.service.fullyQualifiedService, method: call.descriptor.method), presented: call.peerNames)
        return caller
      }
      // Nodes take inference only from holders of cluster certificates, and with
      // `allowedPeers` only from the routers and clients named there.
      var frontConfiguration = FrontListener.Configuration(
        listen: configuration.listen, security: configuration.security,
        routes: [
          FrontRoute(
            Inference_GRPCInferenceService.Method.ModelInfer.descriptor, admit: admit,
            handle: { call, caller in
              try await Caller.$current.withValue(caller) { try await service.modelInfer(bytes: call.message, metadata: call.metadata) }
            }),
          FrontRoute(Inference_GRPCInferenceService.Method.ServerLive.descriptor, admit: admit, handle: { _, _ in Self.liveAnswer }),
          HealthService.checkRoute(board: health, admit: admit),
        ],
        maxRequestBytes: maxRequestBytes, relaySocket: relaySocket)
      frontConfiguration.requireClientCertificate = true
      frontConfiguration.onCertificateEvent = { [logger] in logger.log(certificate: $0) }
      let front = FrontListener(configuration: frontConfiguration)

      group.addTask {
        defer {
          monitor?.cancel()
          stopExecutor()
        }
        try await front.serveUntilCancelled(behind: server)
      }
      let port = try await front.listeningAddress().port
      let address = ServiceAddress(host: configuration.listen.host, port: port)
      var metricsAddress: ServiceAddress?
      if let listen = configuration.metricsListen {
        metrics.sample(batchers: engine.batchers, load: load)
        let page = metrics.service
        metricsAddress = try await HTTPListener(listen: listen, logger: logger) { MetricsPage.add(to: $0, metrics: page) }
          .serve(in: &group)
      }
      boundMetrics.publish(metricsAddress)
      bound.publish(address)
      let advertised = configuration.advertise ?? Self.dialable(address).description
      var serving: Logger.Metadata = ["address": "\(address)", "advertise": "\(advertised)"]
      serving["metrics"] = metricsAddress.map { "\($0)" }
      logger.info("serving", metadata: serving)
      if let path = configuration.readyFile {
        var addresses = ["address": "\(address)", "advertise": advertised]
        addresses["metrics"] = metricsAddress.map { "\($0)" }
        try ReadyFile.write(addresses, to: path)
      }

      let senders = try configuration.routers.map { router in
        try HeartbeatSender(
          router: router, security: configuration.security, logger: logger, onRegistered: { routerNames.insert($0) }
        ) { [self] in
          status(advertising: advertised)
        }
      }
      for sender in senders {
        group.addTask { await sender.run() }
      }
      group.addTask { [self] in
        // Drain: out of the rotation first, then let in-flight requests finish.
        guard (try? await gracefulShutdown()) != nil else { return }
        logger.info("draining")
        health.setAllNotServing()
        await withDiscardingTaskGroup { drains in
          for sender in senders { drains.addTask { await sender.drain(nodeID: self.configuration.identity.id) } }
        }
        // The front drains first; the gRPC server behind it stops once the front is done.
        front.beginGracefulShutdown()
      }
    }
    logger.info("stopped")
  }


  /// A wildcard listening address is not dialable: advertise loopback instead.
  static func dialable(_ address: ServiceAddress) -> ServiceAddress {
    switch address.host {
    case "0.0.0.0": return ServiceAddress(host: "127.0.0.1", port: address.port)
    case "::": return ServiceAddress(host: "::1", port: address.port)
    default: return address
    }
  }
}
