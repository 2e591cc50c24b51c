public import EdgeProto
public import EdgeRouting
public import EdgeWire
public import GRPCCore
import EdgeServer
public import EdgeObservability
import Tracing

/// ModelInfer sent to a node as the serialized request the router received, its answer taken
/// back as bytes: the router's data plane never decodes or re-encodes a tensor, and the call is
/// written straight on the node's HTTP/2 connection (NodeLink), not through a gRPC client. The deadline
/// travels as `x-edge-timeout`, not as a gRPC timeout: the router enforces it (AttemptWatch)
/// and the node answers by it, so no timer is set per call on either side.
public struct RawModelInferCaller: NodeCaller {
  public let links: NodeLinkPool
  public let request: [UInt8]
  /// Told of an answer that came after the caller left, so its compute is metered all the same.
  public var onAnswerAfterCallerLeft: (@Sendable ([UInt8]) -> Void)?
  /// Sent to the node besides the deadline: the trace context of the router's hop.
  public var forwardedHeaders: [(String, String)] = []
  /// When traced, the attempt's span (the task's current context, NodeForwarder) is sent as the
  /// node's parent in place of `forwardedHeaders`.
  public var tracer: RequestTracer?

  public init(links: NodeLinkPool, request: [UInt8]) {
    self.links = links
    self.request = request
  }

  private static let path = "/" + Inference_GRPCInferenceService.Method.ModelInfer.descriptor.fullyQualifiedMethod

  public func answeredAfterCallerLeft(_ response: [UInt8]) {
    onAnswerAfterCallerLeft?(response)
  }

  public func call(_ node: RankedNode, timeout: Duration) async throws -> [UInt8] {
    // A cancellation the reset budget allowed comes before the deadline; one at or after it
    // (the deadline's own, or the backstop a second past it) resets nothing: the node was told
    // the deadline and ends the stream itself.
    let deadline = ContinuousClock.now + timeout
    let trace = tracer.map { $0.headers(ServiceContext.current ?? .topLevel) } ?? forwardedHeaders
    return try await links.link(for: node.node.address).unary(
      path: Self.path, metadata: [(GRPCTimeout.forwardedKey, GRPCTimeout.format(timeout))] + trace, message: request,
      resetOnCancel: { ContinuousClock.now < deadline - .milliseconds(10) })
  }
}
