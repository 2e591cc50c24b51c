public import EdgeWire
public import EdgeProto
public import EdgeRouting
public import GRPCCore
public import GRPCNIOTransportHTTP2
import EdgeServer

/// A call of the Open Inference Protocol made on a node through the router's pooled connection
/// to it, with the deadline left as its gRPC timeout (metadata, config: calls too rare for their
/// timers to matter).
public struct PooledNodeCaller<Response: Sendable>: NodeCaller {
  public typealias Client = Inference_GRPCInferenceService.Client<HTTP2ClientTransport.Posix>
  public let pool: NodeClientPool
  public let body: @Sendable (Client, CallOptions) async throws -> Response

  public init(pool: NodeClientPool, _ body: @escaping @Sendable (Client, CallOptions) async throws -> Response) {
    self.pool = pool
    self.body = body
  }

  public func call(_ node: RankedNode, timeout: Duration) async throws -> Response {
    var options = CallOptions.defaults
    options.timeout = timeout
    return try await body(Client(wrapping: try pool.client(for: node.node.address)), options)
  }
}
