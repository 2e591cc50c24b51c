public import EdgeSecurity
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// The router's data-plane links, one per node address and event loop (NodeLink), made on first
/// use: a call takes the link of the loop it runs on, so its frames, its answer and the task
/// that waits for it stay on one thread (a call made off the loops takes the first loop's). The
/// control plane (health checks, statistics, repository calls) keeps its gRPC clients
/// (NodeClientPool); only ModelInfer, the call made per request, goes through here.
public final class NodeLinkPool: Sendable {
  /// The TLS context links are made with (nil for plaintext), or why it could not be made.
  private let tls: Result<NIOSSLContext?, any Error>
  private let loops: [any EventLoop]
  private let maximumResponseBytes: Int
  private let links = Mutex<[String: [NodeLink]]?>([:])
  private let opened = ConnectionCounter()

  /// `maximumResponseBytes` is the largest answer taken from a node (grpc-swift's client
  /// default, 4 MiB, unless told otherwise).
  public init(
    security: TransportSecurityMode, maximumResponseBytes: Int = 4 * 1024 * 1024,
    onCertificateEvent: (@Sendable (CertificateFiles.Event) -> Void)? = nil
  ) {
    switch security {
    case .tls(let identity):
      tls = Result { try NIOSSLContext(configuration: identity.nioClientConfiguration(onCertificateEvent: onCertificateEvent)) }
    case .plaintext:
      tls = .success(nil)
    }
    self.loops = Array(MultiThreadedEventLoopGroup.singleton.makeIterator())
    self.maximumResponseBytes = maximumResponseBytes
  }

  /// The link to a node address for the event loop this runs on.
  public func link(for address: String) throws -> NodeLink {
    let current = MultiThreadedEventLoopGroup.currentEventLoop
    let lane = current.flatMap { current in loops.firstIndex { $0 === current } } ?? 0
    if let existing = links.withLock({ $0?[address]?[lane] }) { return existing }
    let parsed = try ServiceAddress(parsing: address)
    let tls = try tls.get()
    return try links.withLock { links throws(NodeLinkError) -> NodeLink in
      guard links != nil else { throw NodeLinkError.shutDown }
      if let existing = links![address] { return existing[lane] }
      let made = loops.map { NodeLink(address: parsed, tls: tls, loop: $0, maximumResponseBytes: maximumResponseBytes, opened: opened) }
      links![address] = made
      return made[lane]
    }
  }

  /// Closes the links to every address not in `addresses` (nodes that left the cluster).
  public func retain(_ addresses: Set<String>) {
    let departed = links.withLock { links -> [NodeLink] in
      guard let current = links else { return [] }
      let gone = current.keys.filter { !addresses.contains($0) }
      return gone.flatMap { links!.removeValue(forKey: $0) ?? [] }
    }
    for link in departed { link.shutdown() }
  }

  /// Connections opened to nodes since the pool was made (each link opens one at its first call
  /// and again after its connection closed).
  public var connectionsOpened: UInt64 { opened.count.load(ordering: .relaxed) }

  /// Connections open now.
  public var connectedCount: Int { links.withLock { $0?.values.joined().filter(\.isConnected).count ?? 0 } }

  /// Closes every link; later calls fail with UNAVAILABLE.
  public func shutdown() {
    let all = links.withLock { links -> [NodeLink] in
      defer { links = nil }
      return Array((links ?? [:]).values.joined())
    }
    for link in all { link.shutdown() }
  }
}
