public import EdgeSecurity
public import GRPCCore
public import GRPCNIOTransportHTTP2
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import NIOSSL
import Synchronization

/// The listener of the router's clients and of a node, written on swift-nio-http2: the methods
/// of its routes (the data plane's ModelInfer, ServerLive and health checks) are answered from
/// the connection's frames; every other method is relayed to the process's gRPC server on a
/// private Unix socket, with the caller's address in `x-edge-peer` and, over mutual TLS, the
/// names of the certificate it presented in `x-edge-peer-names`. The router's asks for no client
/// certificate (callers are told apart by API key); a node's requires one of the cluster CA.
/// grpc-swift's server spends about 0.2 ms of CPU per call on its stream channels and tasks;
/// this path spends what HTTP/2 and TLS cost (docs/BENCHMARKS.md).
public final class FrontListener: Sendable {
  /// Metadata that carries the caller's address to the relayed gRPC server (a caller's own
  /// value is replaced).
  public static let peerKey = "x-edge-peer"

  public struct Configuration: Sendable {
    public var listen: ServiceAddress
    public var security: TransportSecurityMode
    public var routes: [FrontRoute]
    /// The largest request message taken.
    public var maxRequestBytes: Int
    /// The Unix socket the process's gRPC server listens on.
    public var relaySocket: String
    /// Over TLS, take only callers with a certificate of the cluster CA (mutual TLS).
    public var requireClientCertificate = false
    public var onCertificateEvent: (@Sendable (CertificateFiles.Event) -> Void)?

    public init(listen: ServiceAddress, security: TransportSecurityMode, routes: [FrontRoute], maxRequestBytes: Int, relaySocket: String) {
      self.listen = listen
      self.security = security
      self.routes = routes
      self.maxRequestBytes = maxRequestBytes
      self.relaySocket = relaySocket
    }
  }

  public let configuration: Configuration
  /// Stream resets a connection may send a second (averaged over 10 s) before it is closed as
  /// a flood: more than a connection can send requests through this front.
  public static let maxResetsPerSecond = 20_000
  /// How long a drain waits for the calls in flight before closing their connections: longer
  /// than any answer takes, bounded so a caller that never ends its request cannot hold a
  /// process that is stopping.
  public static let drainGrace: Duration = .seconds(30)
  private let connections = Mutex<[ObjectIdentifier: Connection]>([:])
  /// The bound address once listening, or why the front could not start.
  private let bound = PublishedValue<Result<ServiceAddress, any Error>>()
  /// The listening channel while it listens; `stopped` once a drain was asked for.
  private let listener = Mutex<(channel: (any Channel)?, stopped: Bool)>((nil, false))

  private struct Connection: Sendable {
    let channel: any Channel
    let handler: NIOLoopBound<FrontConnectionHandler>
  }

  public init(configuration: Configuration) {
    self.configuration = configuration
  }

  /// The address bound, once listening; throws why, when the front could not start.
  public func listeningAddress() async throws -> ServiceAddress {
    try await bound.value.get()
  }

  /// Serves until cancelled, then drains: no new connections, GOAWAY on every open one, and
  /// returns when their calls are done.
  public func serveUntilCancelled() async throws {
    do {
      try await serve()
    } catch {
      // Whoever waits for the address learns why the front did not start or stopped.
      bound.publish(.failure(error))
      throw error
    }
  }

  private func serve() async throws {
    let tls: NIOSSLContext? =
      switch configuration.security {
      case .tls(let identity):
        try NIOSSLContext(configuration: identity.nioServerConfiguration(
          requireClientCertificate: configuration.requireClientCertificate, onCertificateEvent: configuration.onCertificateEvent))
      case .plaintext: nil
      }
    let group = MultiThreadedEventLoopGroup.singleton
    let relayAddress = try SocketAddress(unixDomainSocketPath: configuration.relaySocket)
    var relayLinks: [ObjectIdentifier: NIOLoopBound<RelayLink>] = [:]
    for loop in group.makeIterator() {
      relayLinks[ObjectIdentifier(loop)] = try await loop.submit {
        let link = RelayLink(loop: loop, address: relayAddress)
        link.warm()
        return NIOLoopBound(link, eventLoop: loop)
      }.get()
    }
    // Once the front has drained (or failed to start), nothing is relayed any more.
    defer {
      for loop in group.makeIterator() {
        guard let link = relayLinks[ObjectIdentifier(loop)] else { continue }
        loop.execute { link.value.stop() }
      }
    }
    var settings = FrontConnectionHandler.Settings(
      routes: Dictionary(configuration.routes.map { ($0.path, $0) }, uniquingKeysWith: { _, last in last }),
      maxRequestBytes: configuration.maxRequestBytes,
      // At least one largest request, and 64 MiB of smaller ones at once.
      maxBufferedBytes: max(configuration.maxRequestBytes + 5, 64 << 20),
      relayLinks: relayLinks,
      streamWindow: 1 << 20, connectionWindow: 8 << 20)
    settings.readsCallerCertificate = tls != nil && configuration.requireClientCertificate
    var connection = NIOHTTP2Handler.ConnectionConfiguration()
    connection.initialSettings = [
      HTTP2Setting(parameter: .maxConcurrentStreams, value: 4096),
      HTTP2Setting(parameter: .initialWindowSize, value: settings.streamWindow),
      HTTP2Setting(parameter: .maxFrameSize, value: 1 << 20),
      HTTP2Setting(parameter: .maxHeaderListSize, value: HPACKDecoder.defaultMaxHeaderListSize),
    ]
    var streams = NIOHTTP2Handler.StreamConfiguration()
    // A caller under overload cancels what its deadline ended, thousands a second on one
    // connection. A reset costs the front what a refused request costs (the call's task is
    // cancelled; the node's stream is left to end at its deadline, StreamResetBudget), so
    // resets are bounded like requests (Self.maxResetsPerSecond), not at NIO's 200 in 30 s,
    // which closed busy clients' connections and failed their other calls with UNAVAILABLE.
    streams.streamResetFrameRateLimit.maximumCount = Self.maxResetsPerSecond * 10
    streams.streamResetFrameRateLimit.windowLength = .seconds(10)
    let server = try await ServerBootstrap(group: group)
      .serverChannelOption(.backlog, value: 256)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
      .childChannelInitializer { [self] channel in
        channel.eventLoop.makeCompletedFuture {
          let pipeline = channel.pipeline.syncOperations
          if let tls { try pipeline.addHandler(NIOSSLServerHandler(context: tls)) }
          try pipeline.addHandler(NIOHTTP2Handler(mode: .server, connectionConfiguration: connection, streamConfiguration: streams))
          let handler = FrontConnectionHandler(settings: settings)
          try pipeline.addHandler(handler)
          let key = ObjectIdentifier(channel)
          connections.withLock { $0[key] = Connection(channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop)) }
          channel.closeFuture.whenComplete { [self] _ in _ = connections.withLock { $0.removeValue(forKey: key) } }
        }
      }
      .bind(host: configuration.listen.host == "localhost" ? "127.0.0.1" : configuration.listen.host, port: configuration.listen.port)
      .get()
    let stopAtOnce = listener.withLock { state -> Bool in
      state.channel = server
      return state.stopped
    }
    if stopAtOnce { server.close(promise: nil) }
    bound.publish(.success(ServiceAddress(host: configuration.listen.host, port: server.localAddress?.port ?? configuration.listen.port)))
    await withTaskCancellationHandler {
      try? await server.closeFuture.get()
    } onCancel: {
      server.close(promise: nil)
    }
    // Drain: every open connection is told to go away and closes when its calls are done.
    let open = connections.withLock { Array($0.values) }
    for connection in open {
      connection.channel.eventLoop.execute { connection.handler.value.drain() }
    }
    // Calls get the drain's grace to finish; connections still open after it are closed.
    let deadline = Task {
      try await Task.sleep(for: Self.drainGrace)
      for connection in open { connection.channel.close(promise: nil) }
    }
    for connection in open { try? await connection.channel.closeFuture.get() }
    deadline.cancel()
  }

  /// Serves the front and, behind it, the gRPC server its relayed calls go to, until cancelled
  /// or drained. The server is started first (the front serves only once it listens) and is
  /// stopped only after the front has drained: the relayed calls a draining front still carries
  /// need it. It is never cancelled, only shut down gracefully, as GRPCServer+Serving explains.
  public func serveUntilCancelled(behind server: GRPCServer<HTTP2ServerTransport.Posix>) async throws {
    let behind = Task { try await server.serve() }
    do {
      _ = try await server.listeningAddress
    } catch {
      bound.publish(.failure(error))
      _ = await behind.result
      throw error
    }
    // A server behind that stops on its own (it failed) stops the front too: the front would
    // otherwise answer ModelInfer while every relayed call failed.
    let watch = Task { [self] in
      _ = await behind.result
      beginGracefulShutdown()
    }
    defer { watch.cancel() }
    do {
      try await serveUntilCancelled()
    } catch {
      server.beginGracefulShutdown()
      _ = await behind.result
      throw error
    }
    server.beginGracefulShutdown()
    try await behind.value
  }

  /// Starts the drain (as cancelling `serveUntilCancelled` does): no new connections, GOAWAY
  /// on open ones; `serveUntilCancelled` returns once their calls are done.
  public func beginGracefulShutdown() {
    let channel = listener.withLock { state -> (any Channel)? in
      state.stopped = true
      return state.channel
    }
    channel?.close(promise: nil)
  }
}
