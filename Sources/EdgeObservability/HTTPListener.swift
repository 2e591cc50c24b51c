public import EdgeSecurity
public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import Logging
public import NIOSSL

/// Every HTTP listener of the project (metrics pages, and the routes later services add) on one
/// stack: hummingbird, HTTP/1.1, plain or with TLS. Callers add routes to the router; the
/// listener binds, reports the bound address (port 0 picks one) and serves until cancelled.
public struct HTTPListener: Sendable {
  public let listen: ServiceAddress
  public let tls: TLSConfiguration?
  private let routes: @Sendable (Router<BasicRequestContext>) -> Void
  private let logger: Logger

  public init(
    listen: ServiceAddress, tls: TLSConfiguration? = nil, logger: Logger = Logger(label: "edge.http"),
    routes: @escaping @Sendable (Router<BasicRequestContext>) -> Void
  ) {
    self.listen = listen
    self.tls = tls
    self.routes = routes
    var quiet = logger
    // Hummingbird reports each start at info; the service logs its own addresses.
    quiet.logLevel = max(logger.logLevel, .warning)
    self.logger = quiet
  }

  /// Serves until cancelled; `onBound` gets the address once the port is bound.
  public func run(onBound: @escaping @Sendable (ServiceAddress) -> Void = { _ in }) async throws {
    // HEAD answered from every GET route, as a page's Allow header says.
    let router = Router(options: .autoGenerateHeadEndpoints)
    routes(router)
    let host = listen.host
    let configured = listen.port
    // Idle connections close after 30 s: a listener on an operator's network must not let idle
    // sockets use up the descriptors the service's data plane shares.
    let http1: HTTPServerBuilder = .http1(configuration: .init(idleTimeout: .seconds(30)))
    let server: HTTPServerBuilder = if let tls { try .tls(http1, tlsConfiguration: tls) } else { http1 }
    let application = Application(
      router: router, server: server,
      configuration: ApplicationConfiguration(address: .hostname(host, port: configured), serverName: nil),
      onServerRunning: { channel in onBound(ServiceAddress(host: host, port: channel.localAddress?.port ?? configured)) },
      logger: logger)
    try await application.run()
  }
}
