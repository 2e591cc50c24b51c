public import EdgeRuntime

/// Runs a formed batch on a model. The node holds one; it runs in the node's process by default,
/// and the seam lets a separate executor process take its place.
public protocol BatchExecutor: Sendable {
  func execute(_ model: LoadedModel, inputs: [Tensor], batchSize: Int) async throws(InferenceError) -> ModelOutput
}
