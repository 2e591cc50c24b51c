public import EdgeSecurity
import GRPCCore
import NIOCore
import NIOHTTP2
import NIOPosix
import NIOSSL
import Synchronization

/// The router's data-plane connection to one node: unary calls written straight on an HTTP/2
/// connection's frames (UnaryCallHandler), where a gRPC client would open a stream channel and
/// run tasks per call. A forwarded call costs the router a fraction of what it costs through
/// grpc-swift's client (docs/BENCHMARKS.md). The link belongs to one event loop (NodeLinkPool keeps
/// one per loop, so a call made on a loop stays on its thread). One connection at a time, opened on first use and
/// again after it closes or the node sends GOAWAY; after a failed connect, calls fail at once
/// (UNAVAILABLE, so the router fails over) until a backoff of 100 ms doubling to 1 s has passed.
public final class NodeLink: Sendable {
  public let address: ServiceAddress
  private let tls: NIOSSLContext?
  private let loop: any EventLoop
  private let maximumResponseBytes: Int
  private let state = Mutex(State.idle(retryAt: nil, failures: 0, lastError: nil))
  private let tokens = Atomic<UInt64>(0)
  /// Counts the connections this link opens (shared by a pool's links).
  private let opened: ConnectionCounter

  private enum State {
    /// No connection; after failures, none is tried before `retryAt`.
    case idle(retryAt: ContinuousClock.Instant?, failures: Int, lastError: String?)
    case connecting(EventLoopFuture<Connection>, failures: Int)
    case ready(Connection)
    case shutDown
  }

  /// An open connection and its handler (which only its event loop touches).
  struct Connection: Sendable {
    let channel: any Channel
    let handler: NIOLoopBound<UnaryCallHandler>
  }

  init(address: ServiceAddress, tls: NIOSSLContext?, loop: any EventLoop, maximumResponseBytes: Int, opened: ConnectionCounter = ConnectionCounter()) {
    self.opened = opened
    self.address = address
    self.tls = tls
    self.loop = loop
    self.maximumResponseBytes = maximumResponseBytes
  }

  /// Calls `path` with `message` (a serialized request) and answers the response message's
  /// bytes, or throws the node's error as an `RPCError` (connection failures as UNAVAILABLE).
  /// Cancelling the calling task ends the call at once; the call's stream is reset when
  /// `resetOnCancel` says so at that moment, and otherwise left to end with the node's answer.
  public func unary(
    path: String, metadata: [(String, String)], message: [UInt8], resetOnCancel: @escaping @Sendable () -> Bool = { true }
  ) async throws -> [UInt8] {
    try Task.checkCancellation()
    let connection = try await connection()
    let token = tokens.wrappingAdd(1, ordering: .relaxed).newValue
    let loop = connection.channel.eventLoop
    let handler = connection.handler
    return try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8], any Error>) in
        loop.execute {
          handler.value.start(token: token, path: path, metadata: metadata, message: message) { result in
            continuation.resume(with: result.mapError { $0 })
          }
        }
      }
    } onCancel: {
      let reset = resetOnCancel()
      loop.execute { handler.value.cancel(token: token, reset: reset) }
    }
  }

  /// Closes the connection; calls in flight fail with UNAVAILABLE, later ones too.
  public func shutdown() {
    let previous = state.withLock { state -> State in
      defer { state = .shutDown }
      return state
    }
    switch previous {
    case .ready(let connection): connection.channel.close(promise: nil)
    case .connecting(let future, _): future.whenSuccess { $0.channel.close(promise: nil) }
    case .idle, .shutDown: break
    }
  }

  /// Whether a connection is open (for tests and the connection count).
  public var isConnected: Bool {
    state.withLock { if case .ready = $0 { return true } else { return false } }
  }

  private enum Next {
    case ready(Connection)
    case pending(EventLoopFuture<Connection>)
  }

  private func connection() async throws -> Connection {
    let now = ContinuousClock.now
    let next = try state.withLock { state throws(RPCError) -> Next in
      switch state {
      case .ready(let connection):
        return .ready(connection)
      case .connecting(let future, _):
        return .pending(future)
      case .idle(let retryAt, let failures, let lastError):
        if let retryAt, now < retryAt {
          throw RPCError(code: .unavailable, message: "node \(address) unreachable: \(lastError ?? "connect failed")")
        }
        let future = connect()
        state = .connecting(future, failures: failures)
        return .pending(future)
      case .shutDown:
        throw RPCError(code: .unavailable, message: "the router's link to node \(address) is closed")
      }
    }
    switch next {
    case .ready(let connection):
      return connection
    case .pending(let pending):
      do {
        return try await pending.get()
      } catch {
        throw RPCError(code: .unavailable, message: "cannot connect to node \(address): \(error)")
      }
    }
  }

  private func connect() -> EventLoopFuture<Connection> {
    let serverHostname = address.isIPv4 || address.isIPv6 ? nil : address.host
    let scheme = tls == nil ? "http" : "https"
    let authority = address.description
    let maximumResponseBytes = maximumResponseBytes
    let tls = tls
    // Stream windows as large as the largest answer (no per-stream updates); the connection's
    // window holds several such answers.
    let streamWindow = maximumResponseBytes + 1024
    let connectionWindow = 4 * streamWindow
    let connected = ClientBootstrap(group: loop)
      .channelOption(.socketOption(.tcp_nodelay), value: 1)
      .connectTimeout(.seconds(5))
      .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          let pipeline = channel.pipeline.syncOperations
          if let tls {
            try pipeline.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverHostname))
          }
          try pipeline.addHandler(NIOHTTP2Handler(
            mode: .client,
            initialSettings: [
              HTTP2Setting(parameter: .enablePush, value: 0),
              HTTP2Setting(parameter: .maxConcurrentStreams, value: 0),
              HTTP2Setting(parameter: .initialWindowSize, value: streamWindow),
              HTTP2Setting(parameter: .maxFrameSize, value: 1 << 20),
            ]))
          try pipeline.addHandler(UnaryCallHandler(
            scheme: scheme, authority: authority, maximumResponseBytes: maximumResponseBytes,
            connectionWindow: connectionWindow))
        }
      }
      .connect(host: address.host, port: address.port)
      .flatMapThrowing { channel in
        let handler = try channel.pipeline.syncOperations.handler(type: UnaryCallHandler.self)
        let connection = Connection(channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop))
        // A connection that drains or closes is replaced at the next call; one that closes
        // before answering anything (a failed handshake) counts as a failed connect.
        handler.onDrain = { [self] failed in forget(connection, failed: failed) }
        return connection
      }
    connected.whenComplete { [self] result in
      switch result {
      case .success(let connection):
        opened.count.add(1, ordering: .relaxed)
        let live = state.withLock { state -> Bool in
          guard case .connecting = state else { return false }
          state = .ready(connection)
          return true
        }
        if !live { connection.channel.close(promise: nil) }
      case .failure(let error):
        state.withLock { state in
          guard case .connecting(_, let failures) = state else { return }
          state = .idle(retryAt: Self.retryAt(failures: failures + 1), failures: failures + 1, lastError: "\(error)")
        }
      }
    }
    return connected
  }

  /// When to try again after `failures` consecutive failed connects: 100 ms, doubling to 1 s.
  private static func retryAt(failures: Int) -> ContinuousClock.Instant {
    .now + .milliseconds(min(1000, 100 << min(failures - 1, 4)))
  }

  private func forget(_ connection: Connection, failed: Bool) {
    state.withLock { state in
      guard case .ready(let current) = state, current.channel === connection.channel else { return }
      state = failed ? .idle(retryAt: Self.retryAt(failures: 1), failures: 1, lastError: "the connection closed before any answer") : .idle(retryAt: nil, failures: 0, lastError: nil)
    }
  }
}

/// Connections opened, for the router's metrics: under overload it should stay at its warm-up
/// value (one per node and event loop); a rise means connections are being torn down.
final class ConnectionCounter: Sendable {
  let count = Atomic<UInt64>(0)
}
