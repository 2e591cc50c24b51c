@testable import EdgeRuntime
import EdgeCluster
import EdgeExecutorService
import EdgeNodeService
import EdgeRouterService
import EdgeServer
import Synchronization
import Testing

/// The batcher actor with a fake executor whose batches run only when a test lets them:
/// batches formed while the instance is busy, each request's own rows back, deadlines answered
/// while a batch runs, cancellation, the queue bound, executor failure and preserve_ordering.
@Suite(.timeLimit(.minutes(1)))
struct ModelBatcherTests {
  /// Echoes its input: row r of `y` is row r of `x`.
  struct EchoModel: InferenceModel {
    var weightByteCount: Int { 0 }
    func run(_ inputs: [Tensor], batchSize: Int) throws(InferenceError) -> ModelOutput {
      ModelOutput(tensors: [Tensor(name: "y", dataType: .fp32, shape: inputs[0].shape, data: inputs[0].data)])
    }
  }

  /// Runs batch k only after `release(k)`; records every batch's rows (the first value of each
  /// row identifies its request).
  final class GatedExecutor: BatchExecutor {
    struct State {
      var batches: [[Float]] = []
      var released: Set<Int> = []
      var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
      var finished = 0
    }
    let state = Mutex(State())
    let failure: InferenceError?

    init(failure: InferenceError? = nil) { self.failure = failure }

    func execute(_ model: LoadedModel, inputs: [Tensor], batchSize: Int) async throws(InferenceError) -> ModelOutput {
      let index = state.withLock { state in
        state.batches.append(stride(from: 0, to: inputs[0].elementCount, by: 2).map { inputs[0].floats()[$0] })
        return state.batches.count - 1
      }
      await withCheckedContinuation { continuation in
        let ready = state.withLock { state in
          if state.released.contains(index) { return true }
          state.waiters[index] = continuation
          return false
        }
        if ready { continuation.resume() }
      }
      defer { state.withLock { $0.finished += 1 } }
      if let failure { throw failure }
      return try model.model.run(inputs, batchSize: batchSize)
    }

    func release(_ index: Int) {
      let waiter = state.withLock { state in
        state.released.insert(index)
        return state.waiters.removeValue(forKey: index)
      }
      waiter?.resume()
    }

    var batches: [[Float]] { state.withLock { $0.batches } }
    var finished: Int { state.withLock { $0.finished } }
  }

  /// The order in which requests were answered.
  final class AnswerLog: Sendable {
    let values = Mutex<[Float]>([])
  }

  static func model(_ batching: String, instances: Int = 1) throws -> LoadedModel {
    let config = try ModelConfigLoader.parse(
      """
      name: "echo"
      backend: "mlp"
      max_batch_size: 8
      input [ { name: "x" data_type: TYPE_FP32 dims: [ 2 ] } ]
      output [ { name: "y" data_type: TYPE_FP32 dims: [ 2 ] } ]
      instance_group [ { count: \(instances) kind: KIND_CPU } ]
      \(batching)
      """, modelName: "echo")
    return LoadedModel(name: "echo", version: 1, config: config, model: EchoModel())
  }

  /// A request of one row [id, -id].
  static func request(_ id: Float) -> ValidatedInferRequest {
    ValidatedInferRequest(batchSize: 1, inputs: [Tensor(name: "x", shape: [1, 2], floats: [id, -id])], outputNames: ["y"])
  }

  /// Waits (bounded by the suite's time limit) until `condition` holds.
  static func eventually(_ condition: () async -> Bool) async {
    while !(await condition()) { try? await Task.sleep(for: .milliseconds(1)) }
  }

  @Test func requestsArrivingWhileTheInstanceIsBusyShareTheNextBatchAndGetTheirOwnRows() async throws {
    let executor = GatedExecutor()
    let batcher = ModelBatcher(model: try Self.model("dynamic_batching { }"), executor: executor)
    async let first = batcher.submit(Self.request(1))
    await Self.eventually { executor.batches.count == 1 }
    let later = (2...5).map { id in Task { try await batcher.submit(Self.request(Float(id))) } }
    await Self.eventually { await batcher.queuedCount == 4 }
    executor.release(0)
    executor.release(1)
    #expect(try await first.output["y"]?.floats() == [1, -1])
    for (offset, task) in later.enumerated() {
      let completion = try await task.value
      let id = Float(offset + 2)
      #expect(completion.output["y"]?.floats() == [id, -id])
      #expect(completion.output["y"]?.shape == [1, 2])
      #expect(completion.batchRows == 4)
    }
    // The four arrive in any order; they share one batch.
    #expect(executor.batches.map { $0.sorted() } == [[1], [2, 3, 4, 5]])
  }

  @Test func aQueuedRequestIsAnsweredAtItsDeadlineWhileTheBatchAheadRunsAndNeverExecuted() async throws {
    let executor = GatedExecutor()
    let batcher = ModelBatcher(model: try Self.model("dynamic_batching { }"), executor: executor)
    async let first = batcher.submit(Self.request(1))
    await Self.eventually { executor.batches.count == 1 }
    await #expect(throws: SchedulingError.self) {
      _ = try await batcher.submit(Self.request(2), deadline: .now + .milliseconds(30))
    }
    #expect(executor.finished == 0)  // answered before the running batch ended
    executor.release(0)
    _ = try await first
    #expect(executor.batches == [[1]])
  }

  @Test func aCancelledRequestLeavesTheQueueAndIsNeverExecuted() async throws {
    let executor = GatedExecutor()
    let batcher = ModelBatcher(model: try Self.model("dynamic_batching { }"), executor: executor)
    async let first = batcher.submit(Self.request(1))
    await Self.eventually { executor.batches.count == 1 }
    let second = Task { try await batcher.submit(Self.request(2)) }
    await Self.eventually { await batcher.queuedCount == 1 }
    second.cancel()
    let outcome = await second.result
    #expect(throws: SchedulingError.cancelled) { try outcome.get() }
    #expect(await batcher.queuedCount == 0)
    executor.release(0)
    _ = try await first
    #expect(executor.batches == [[1]])
  }

  @Test func aFullQueueRefusesAtOnceWithAPushback() async throws {
    let executor = GatedExecutor()
    let batcher = ModelBatcher(
      model: try Self.model("dynamic_batching { default_queue_policy { max_queue_size: 2 } }"), executor: executor)
    async let first = batcher.submit(Self.request(1))
    await Self.eventually { executor.batches.count == 1 }
    let queued = (2...3).map { id in Task { try await batcher.submit(Self.request(Float(id))) } }
    await Self.eventually { await batcher.queuedCount == 2 }
    do {
      _ = try await batcher.submit(Self.request(4))
      Issue.record("a request past max_queue_size was queued")
    } catch {
      guard case .queueFull(let model, let retryAfter) = error else { throw error }
      #expect(model == "echo")
      #expect(retryAfter > .zero)
    }
    executor.release(0)
    executor.release(1)
    _ = try await first
    for task in queued { _ = try await task.value }
  }

  @Test func anExecutorFailureAnswersItsBatchAndFailQueuedTheRest() async throws {
    let executor = GatedExecutor(failure: .unavailable("executor gone"))
    let batcher = ModelBatcher(model: try Self.model("dynamic_batching { }"), executor: executor)
    let first = Task { try await batcher.submit(Self.request(1)) }
    await Self.eventually { executor.batches.count == 1 }
    let second = Task { try await batcher.submit(Self.request(2)) }
    await Self.eventually { await batcher.queuedCount == 1 }
    await batcher.failQueued(with: .unavailable("executor gone"))
    let queuedOutcome = await second.result
    #expect(throws: SchedulingError.failed(.unavailable("executor gone"))) { try queuedOutcome.get() }
    executor.release(0)
    let runningOutcome = await first.result
    #expect(throws: SchedulingError.failed(.unavailable("executor gone"))) { try runningOutcome.get() }
    #expect(executor.batches == [[1]])
  }

  @Test(arguments: [true, false])
  func preserveOrderingAnswersBatchesInTheOrderTheyStarted(preserve: Bool) async throws {
    let executor = GatedExecutor()
    let batcher = ModelBatcher(
      model: try Self.model("dynamic_batching { preserve_ordering: \(preserve) }", instances: 2), executor: executor)
    let answered = AnswerLog()
    let tasks = (1...2).map { id in
      Task {
        let completion = try await batcher.submit(Self.request(Float(id)))
        answered.values.withLock { $0.append(completion.output["y"]!.floats()[0]) }
      }
    }
    await Self.eventually { executor.batches.count == 2 }
    // The batch that started second finishes first.
    let secondStarted = executor.batches[1][0]
    let firstStarted = executor.batches[0][0]
    executor.release(1)
    await Self.eventually { executor.finished == 1 }
    if preserve {
      // The answer of the batch that started second is held while the first one runs. (Once
      // both are out, the order their callers' tasks resume in is the scheduler's.)
      try await Task.sleep(for: .milliseconds(50))
      #expect(answered.values.withLock { $0.isEmpty })
      executor.release(0)
      for task in tasks { try await task.value }
      #expect(Set(answered.values.withLock { $0 }) == [firstStarted, secondStarted])
    } else {
      await Self.eventually { answered.values.withLock { $0.count == 1 } }
      executor.release(0)
      for task in tasks { try await task.value }
      #expect(answered.values.withLock { $0 } == [secondStarted, firstStarted])
    }
  }
}
