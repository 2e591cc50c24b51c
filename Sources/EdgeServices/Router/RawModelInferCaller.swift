public import EdgeClient
public import EdgeProto
public import EdgeRouting
public import EdgeWire
public import GRPCCore

/// ModelInfer sent to a node as the serialized request the router received, its answer taken
/// back as bytes: the router's data plane never decodes or re-encodes a tensor.
public struct RawModelInferCaller: NodeCaller {
  public let pool: NodeClientPool
  public let request: [UInt8]

  public init(pool: NodeClientPool, request: [UInt8]) {
    self.pool = pool
    self.request = request
  }

  public func call(_ node: RankedNode, options: CallOptions) async throws -> [UInt8] {
    try await pool.client(for: node.node.address).unary(
      request: ClientRequest(message: request), descriptor: Inference_GRPCInferenceService.Method.ModelInfer.descriptor,
      serializer: RawMessageSerializer(), deserializer: RawMessageDeserializer(), options: options
    ) { try $0.message }
  }
}
