public import EdgeSecurity
public import GRPCCore
public import GRPCNIOTransportHTTP2
import Synchronization

/// One pooled gRPC connection per node address, opened on first use and kept for the next
/// requests, so the router pays the TLS handshake once per node rather than once per request.
public final class NodeClientPool: Sendable {
  public typealias Client = GRPCClient<HTTP2ClientTransport.Posix>

  private let security: TransportSecurityMode
  private let clients = Mutex<[String: Client]>([:])
  private let newClients: AsyncStream<Client>.Continuation
  private let pending: Mutex<AsyncStream<Client>?>

  public init(security: TransportSecurityMode) {
    self.security = security
    let (stream, continuation) = AsyncStream<Client>.makeStream()
    self.newClients = continuation
    self.pending = Mutex(stream)
  }

  /// The client for a node address, made on first use.
  public func client(for address: String) throws -> Client {
    if let existing = clients.withLock({ $0[address] }) { return existing }
    let parsed = try ServiceAddress(parsing: address)
    let transport = try HTTP2ClientTransport.Posix(
      target: parsed.target, transportSecurity: security.client(),
      config: .defaults {
        $0.backoff.max = .seconds(1)
        $0.connection.flushCoalescing = nil
      })
    let client = GRPCClient(transport: transport)
    let (chosen, isNew) = clients.withLock { clients -> (Client, Bool) in
      if let raced = clients[address] { return (raced, false) }
      clients[address] = client
      return (client, true)
    }
    // A client made once the pool stopped running would never connect, and a call on it would
    // wait for ever, past its deadline and its caller's cancellation (a router's health check
    // in flight while the router stopped did, and the router never stopped).
    if isNew, case .terminated = newClients.yield(chosen) {
      clients.withLock { clients in
        if clients[address] === chosen { clients[address] = nil }
      }
      throw RPCError(code: .unavailable, message: "not connecting to \(address): the router is stopping")
    }
    return chosen
  }

  /// Closes the connections to every address not in `addresses` (nodes that left the cluster),
  /// so the pool holds no more connections than the registry has nodes.
  public func retain(_ addresses: Set<String>) {
    let departed = clients.withLock { clients -> [Client] in
      let gone = clients.keys.filter { !addresses.contains($0) }
      return gone.compactMap { clients.removeValue(forKey: $0) }
    }
    for client in departed { client.beginGracefulShutdown() }
  }

  public var count: Int { clients.withLock { $0.count } }

  /// Runs every pooled connection until cancelled, then closes them all.
  public func run() async {
    guard let stream = pending.withLock({ state -> AsyncStream<Client>? in
      defer { state = nil }
      return state
    }) else { return }
    await withTaskCancellationHandler {
      await withDiscardingTaskGroup { group in
        for await client in stream {
          group.addTask { try? await client.runConnections() }
        }
        // The stream ends on shutdown or cancellation: close every connection.
        for client in clients.withLock({ Array($0.values) }) { client.beginGracefulShutdown() }
      }
    } onCancel: {
      newClients.finish()
    }
  }

  public func shutdown() {
    newClients.finish()
  }
}
