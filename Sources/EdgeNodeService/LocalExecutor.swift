import Dispatch
public import EdgeRuntime
import Synchronization
import EdgeServer

/// Executes batches in the node's process on a dedicated queue, so CPU-bound kernels never
/// occupy the threads that serve the network. The queue runs at utility priority, below the
/// network threads: when cores are short, refusals, deadline answers and admission must still be
/// instant, and a batch can wait a scheduler tick. A batch expected to take less than a thread
/// hop (`inlineLimit`, from the model's last batches) runs where it is instead: for a model of
/// microseconds (digits), handing it to another thread and back cost more than running it.
public final class LocalExecutor: BatchExecutor {
  private let queue = DispatchQueue(label: "edgeinfer.executor", qos: .utility, attributes: .concurrent)
  /// Batches expected to be shorter than this run inline.
  public static let inlineLimit = Duration.microseconds(50)
  /// Measured time per row of each model version's batches (an exponentially weighted average).
  private let perRow = Mutex<[String: Duration]>([:])

  public init() {}

  public func execute(_ model: LoadedModel, inputs: [Tensor], batchSize: Int) async throws(InferenceError) -> ModelOutput {
    let key = "\(model.name)\u{0}\(model.version)\u{0}\(model.generation)"
    let expected = perRow.withLock { $0[key] }.map { $0 * batchSize }
    let started = ContinuousClock.now
    let result: Result<ModelOutput, InferenceError>
    if Self.runsInline(expected: expected) {
      result = Result { () throws(InferenceError) in try model.model.run(inputs, batchSize: batchSize) }
    } else {
      result = await withCheckedContinuation { continuation in
        queue.async {
          continuation.resume(returning: Result { () throws(InferenceError) in try model.model.run(inputs, batchSize: batchSize) })
        }
      }
    }
    let measured = (ContinuousClock.now - started) / max(1, batchSize)
    perRow.withLock { table in
      table[key] = table[key].map { $0 * 0.8 + measured * 0.2 } ?? measured
    }
    return try result.get()
  }

  /// Whether a batch expected to take `expected` runs on the calling thread: only once measured
  /// (a model's first batch goes to the queue) and only when shorter than `inlineLimit`.
  public static func runsInline(expected: Duration?) -> Bool {
    guard let expected else { return false }
    return expected < inlineLimit
  }
}
