public import EdgeProto

/// A model version known by its configuration alone, on a node whose batches run in a separate
/// executor (`edge-node --executor`): the node validates and checks requests as the backend
/// would (a BERT model's texts must be UTF-8) and batches them, and the executor, which holds
/// the weights, runs them. The node maps no weights it would never use.
public struct ConfiguredModel: InferenceModel {
  public let backend: String
  public var weightByteCount: Int { 0 }

  public init(config: Inference_ModelConfig, model: String) throws(InferenceError) {
    guard ModelConfigLoader.supportedBackends.contains(config.backend) else {
      throw .modelLoadFailed(model: model, reason: "backend '\(config.backend)' is not supported")
    }
    self.backend = config.backend
  }

  public func check(_ inputs: [Tensor], batchSize: Int) throws(InferenceError) {
    if backend == "bert" { _ = try BertModel.texts(of: inputs, batchSize: batchSize) }
  }

  public func run(_ inputs: [Tensor], batchSize: Int) throws(InferenceError) -> ModelOutput {
    throw .unavailable("this node runs its batches in a separate executor; it holds no weights")
  }
}
