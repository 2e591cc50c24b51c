public import EdgeRuntime
import Synchronization
import EdgeServer
public import EdgeObservability

/// The node's batchers, one per served model version, made on first use. A reloaded model gets
/// a new batcher; the old one finishes what it holds.
public final class ModelBatchers: Sendable {
  private let executor: any BatchExecutor
  private let hooks: BatchHooks
  private let batchers = Mutex<[Key: ModelBatcher]>([:])
  /// Told the total of the batchers' instances whenever a batcher is made.
  private let onInstancesChanged: @Sendable (Int) -> Void
  private let tracer: RequestTracer?

  private struct Key: Hashable {
    var model: String
    var version: Int
  }

  public init(
    executor: any BatchExecutor, hooks: BatchHooks = BatchHooks(), onInstancesChanged: @escaping @Sendable (Int) -> Void = { _ in },
    tracer: RequestTracer? = nil
  ) {
    self.tracer = tracer
    self.executor = executor
    self.hooks = hooks
    self.onInstancesChanged = onInstancesChanged
  }

  public func batcher(for model: LoadedModel) -> ModelBatcher {
    let (batcher, instances) = batchers.withLock { batchers -> (ModelBatcher, Int?) in
      let key = Key(model: model.name, version: model.version)
      if let batcher = batchers[key], batcher.model.generation == model.generation { return (batcher, nil) }
      let batcher = ModelBatcher(model: model, executor: executor, hooks: hooks, tracer: tracer)
      batchers[key] = batcher
      return (batcher, batchers.values.reduce(0) { $0 + $1.instances })
    }
    if let instances { onInstancesChanged(instances) }
    return batcher
  }

  /// Every batcher, for draining queues and reporting depth.
  public func all() -> [ModelBatcher] {
    batchers.withLock { Array($0.values) }
  }
}
