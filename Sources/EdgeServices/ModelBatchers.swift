public import EdgeRuntime
import Synchronization

/// The node's batchers, one per served model version, made on first use. A reloaded model gets
/// a new batcher; the old one finishes what it holds.
public final class ModelBatchers: Sendable {
  private let executor: any BatchExecutor
  private let hooks: BatchHooks
  private let batchers = Mutex<[Key: ModelBatcher]>([:])

  private struct Key: Hashable {
    var model: String
    var version: Int
  }

  public init(executor: any BatchExecutor, hooks: BatchHooks = BatchHooks()) {
    self.executor = executor
    self.hooks = hooks
  }

  public func batcher(for model: LoadedModel) -> ModelBatcher {
    batchers.withLock { batchers in
      let key = Key(model: model.name, version: model.version)
      if let batcher = batchers[key], batcher.model.generation == model.generation { return batcher }
      let batcher = ModelBatcher(model: model, executor: executor, hooks: hooks)
      batchers[key] = batcher
      return batcher
    }
  }

  /// Every batcher, for draining queues and reporting depth.
  public func all() -> [ModelBatcher] {
    batchers.withLock { Array($0.values) }
  }
}
