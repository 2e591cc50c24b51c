public import EdgeRuntime
import EdgeServer

/// Runs a formed batch on a model. The node holds one; it runs in the node's process by default,
/// and the seam lets a separate executor process take its place.
public protocol BatchExecutor: Sendable {
  func execute(_ model: LoadedModel, inputs: [Tensor], batchSize: Int) async throws(InferenceError) -> ModelOutput

  /// Loads a model (one version, or its served set) where the batches run, so a repository
  /// change on the node reaches them; nothing to do when they run on the node's own store.
  func load(_ model: String, version: Int?) async throws(InferenceError)

  /// Unloads a model (one version, or every version) where the batches run.
  func unload(_ model: String, version: Int?) async throws(InferenceError)
}

extension BatchExecutor {
  public func load(_ model: String, version: Int?) async throws(InferenceError) {}
  public func unload(_ model: String, version: Int?) async throws(InferenceError) {}
}
