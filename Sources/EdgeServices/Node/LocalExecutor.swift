import Dispatch
public import EdgeRuntime

/// Executes batches in the node's process on a dedicated queue, so CPU-bound kernels never
/// occupy the threads of Swift's cooperative pool that serve the network. The queue runs at
/// utility priority, below the network threads: when cores are short, refusals, deadline answers
/// and admission must still be instant, and a batch can wait a scheduler tick.
public struct LocalExecutor: BatchExecutor {
  private let queue = DispatchQueue(label: "edgeinfer.executor", qos: .utility, attributes: .concurrent)

  public init() {}

  public func execute(_ model: LoadedModel, inputs: [Tensor], batchSize: Int) async throws(InferenceError) -> ModelOutput {
    let result: Result<ModelOutput, InferenceError> = await withCheckedContinuation { continuation in
      queue.async {
        do throws(InferenceError) {
          continuation.resume(returning: .success(try model.model.run(inputs, batchSize: batchSize)))
        } catch {
          continuation.resume(returning: .failure(error))
        }
      }
    }
    return try result.get()
  }
}
