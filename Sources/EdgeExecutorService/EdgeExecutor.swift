public import EdgeRuntime
public import EdgeObservability
public import EdgeSecurity
import GRPCCore
import GRPCNIOTransportHTTP2
public import Logging
public import ServiceLifecycle
public import EdgeServer
import EdgeNodeService

/// A separate executor process (`edge-executor`): loads the model repository and runs the
/// batches its node sends, over mTLS. Only holders of cluster certificates may call it, and with
/// `allowedPeers` only its own node.
public final class EdgeExecutor: Service, Sendable {
  public let listen: ServiceAddress
  public let security: TransportSecurityMode
  public let store: ModelStore
  public let health = HealthBoard(services: ["edgeinfer.v1.Executor"])
  /// Names (certificate DNS names) of the only callers allowed; empty lets in any holder of a
  /// cluster certificate.
  public let allowedPeers: Set<String>
  /// The node's limits on one request, so a batch the node admitted is never refused here.
  public let limits: RequestLimits
  /// Certificate names besides `allowedPeers` that may load and unload models here (`--admin`).
  public let adminNames: Set<String>
  /// Take loads and unloads over plaintext (`--insecure-admin`); refused otherwise.
  public let insecureAdmin: Bool
  /// Audit records to this file (JSON lines); nil: the log stream at notice level.
  public let auditLog: String?
  /// Plain HTTP listener for Prometheus (`GET /metrics`); nil: none.
  public let metricsListen: ServiceAddress?
  public let metrics = ExecutorMetrics()
  private let logger: Logger
  /// Spans of each batch, when they are exported (TraceExport).
  private let tracer: RequestTracer?
  private let bound = PublishedValue<ServiceAddress>()
  private let boundMetrics = PublishedValue<ServiceAddress?>()

  public init(
    listen: ServiceAddress, repository: String, security: TransportSecurityMode, allowedPeers: Set<String> = [],
    limits: RequestLimits = RequestLimits(), adminNames: Set<String> = ["admin"], insecureAdmin: Bool = false,
    auditLog: String? = nil, metricsListen: ServiceAddress? = nil, logger: Logger = Logger(label: "edge-executor"),
    tracer: RequestTracer? = nil
  ) {
    self.listen = listen
    self.tracer = tracer
    self.metricsListen = metricsListen
    self.limits = limits
    self.adminNames = adminNames
    self.insecureAdmin = insecureAdmin
    self.auditLog = auditLog
    self.allowedPeers = allowedPeers
    self.security = security
    self.store = ModelStore(repository: ModelRepository(root: repository))
    self.logger = logger
  }

  /// The address the executor listens on, once it does.
  public func listeningAddress() async -> ServiceAddress {
    await bound.value
  }

  /// The metrics listener's address once listening; nil without one.
  public func metricsAddress() async -> ServiceAddress? {
    await boundMetrics.value
  }

  public func run() async throws {
    for (model, error) in store.loadAll().sorted(by: { $0.key < $1.key }) {
      logger.error("model failed to load; serving the others", metadata: ["model": "\(model)", "error": "\(error)"])
    }
    let plaintext = if case .plaintext = security { true } else { false }
    let server = GRPCServer(
      transport: .http2NIOPosix(
        address: listen.bindTarget,
        transportSecurity: security.server(requireClientCertificate: true, onCertificateEvent: { [logger] in logger.log(certificate: $0) }),
        config: .defaults {
          $0.rpc.maxRequestPayloadSize = Int(Int32.max)
          $0.connection.flushCoalescing = nil
        }),
      services: [
        ExecutorService(store: store, limits: limits, metrics: metricsListen == nil ? nil : metrics, tracer: tracer), HealthService(board: health),
      ],
      // Loads and unloads change what the node serves: only from the node and admins.
      interceptors: [
        AccessInterceptor(
          policy: AccessPolicy(
            listener: .executor, adminNames: adminNames, routerNames: allowedPeers, plaintext: plaintext,
            insecureAdmin: insecureAdmin),
          audit: try AuditLog(path: auditLog, logger: logger))
      ] + (allowedPeers.isEmpty ? [] : [PeerAllowList(names: allowedPeers)]))
    try await withThrowingDiscardingTaskGroup { group in
      group.addTask { try await server.serveUntilCancelled() }
      let listening = try await server.listeningAddress
      guard let port = listening?.ipv4?.port ?? listening?.ipv6?.port else {
        throw RPCError(code: .internalError, message: "executor did not bind \(listen)")
      }
      var metricsAddress: ServiceAddress?
      if let metricsListen {
        let page = metrics.service
        metricsAddress = try await HTTPListener(listen: metricsListen, logger: logger) { MetricsPage.add(to: $0, metrics: page) }
          .serve(in: &group)
      }
      boundMetrics.publish(metricsAddress)
      bound.publish(ServiceAddress(host: listen.host, port: port))
      var serving: Logger.Metadata = ["address": "\(listen.host):\(port)"]
      serving["metrics"] = metricsAddress.map { "\($0)" }
      logger.info("serving", metadata: serving)
      group.addTask { [self] in
        guard (try? await gracefulShutdown()) != nil else { return }
        health.setAllNotServing()
        server.beginGracefulShutdown()
      }
    }
    logger.info("stopped")
  }
}
