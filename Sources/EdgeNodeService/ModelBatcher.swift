import EdgeBatching
import EdgeProto
import NIOCore
import NIOPosix
public import EdgeRuntime
import Synchronization
public import EdgeServer
public import EdgeObservability
public import Tracing

/// One model version's dynamic batcher: it queues validated requests, forms batches by the
/// model's `dynamic_batching` policy (EdgeBatching decides; this actor only keeps time and
/// runs), executes them on the executor, and hands each request its own rows. A request is
/// answered DEADLINE_EXCEEDED at its deadline even while a batch runs, a cancelled one leaves the
/// queue at once, and a full queue refuses at the door.
public actor ModelBatcher {
  public nonisolated let model: LoadedModel
  /// Batches that may run at once (the sum of `instance_group` counts, at least 1).
  public nonisolated let instances: Int
  private let executor: any BatchExecutor
  private let hooks: BatchHooks
  /// Makes each request's `queue` span and each batch's `batch` span; nil makes none.
  private let tracer: RequestTracer?
  private var queue: BatchQueue
  /// Requests not yet answered, queued or running.
  private var waiting: [UInt64: Pending] = [:]
  private var busy = 0
  /// Cancels the pending timer.
  private var timer: (@Sendable () -> Void)?
  private var timerInstant: ContinuousClock.Instant?
  /// `preserve_ordering`: batches are answered in the order they started, even when a later
  /// one (on another instance) finishes first.
  private let preservesOrdering: Bool
  private var batchesStarted: UInt64 = 0
  private var batchesAnswered: UInt64 = 0
  private var heldAnswers: [UInt64: [(UInt64, Result<Completion, SchedulingError>)]] = [:]
  private static let requestIDs = Atomic<UInt64>(0)
  /// `queue.count` and `waiting.count` as of the last change, for metrics read off the actor.
  private let depth = Atomic<Int>(0)
  private let held = Atomic<Int>(0)

  /// What a request gets back: its rows of the batch's output and where its time went.
  public struct Completion: Sendable {
    public var output: ModelOutput
    public var queued: Duration
    public var compute: Duration
    /// Rows of the batch it ran in.
    public var batchRows: Int
  }

  private struct Pending {
    var request: ValidatedInferRequest
    var enqueued: ContinuousClock.Instant
    var deadline: ContinuousClock.Instant?
    var continuation: CheckedContinuation<Result<Completion, SchedulingError>, Never>
    /// The request's span (traced only), and its time in the queue under it until a batch takes it.
    var trace: ServiceContext?
    var queueSpan: (any Span)?

    /// Ends the queue span of a request that leaves the queue without a batch.
    func leftQueue(_ reason: String) {
      queueSpan?.setStatus(SpanStatus(code: .error, message: reason))
      queueSpan?.end()
    }
  }

  public init(model: LoadedModel, executor: any BatchExecutor, hooks: BatchHooks = BatchHooks(), tracer: RequestTracer? = nil) {
    self.model = model
    self.tracer = tracer
    self.executor = executor
    self.hooks = hooks
    // Triton reads an instance group without a count as one instance.
    let instances = max(1, model.config.instanceGroup.reduce(0) { $0 + max(1, Int($1.count)) })
    self.instances = instances
    self.queue = BatchQueue(policy: BatchingPolicy(modelConfig: model.config), instances: instances)
    if case .dynamicBatching(let batching) = model.config.schedulingChoice {
      preservesOrdering = batching.preserveOrdering
    } else {
      preservesOrdering = false
    }
  }

  /// Requests waiting for a batch.
  public var queuedCount: Int { queue.count }
  /// The same, read without waiting for the actor (metrics).
  public nonisolated var queueDepth: Int { depth.load(ordering: .relaxed) }
  /// Requests queued or running, read without waiting for the actor.
  public nonisolated var inFlight: Int { held.load(ordering: .relaxed) }

  /// Queues a request and waits for its rows of a batch. `deadline` is the client's gRPC
  /// deadline; `priority` and `timeout` are Triton's request parameters; `trace` is the
  /// request's span, under which its queue wait is traced and its batch is linked.
  public nonisolated func submit(
    _ request: ValidatedInferRequest, priority: Int? = nil, timeout: Duration? = nil, deadline: ContinuousClock.Instant? = nil,
    trace: ServiceContext? = nil
  ) async throws(SchedulingError) -> Completion {
    let id = Self.requestIDs.add(1, ordering: .relaxed).newValue
    let result = await withTaskCancellationHandler {
      await self.enqueue(id: id, request, priority: priority, timeout: timeout, deadline: deadline, trace: trace)
    } onCancel: {
      Task { await self.cancel(id) }
    }
    return try result.get()
  }

  /// Answers every queued request with `error` (the executor is gone); running batches end on
  /// their own.
  public func failQueued(with error: InferenceError) {
    for (id, pending) in waiting where queue.cancel(id) {
      waiting[id] = nil
      pending.leftQueue("executor gone")
      pending.continuation.resume(returning: .failure(.failed(error)))
    }
    pump()
  }

  private func enqueue(
    id: UInt64, _ request: ValidatedInferRequest, priority: Int?, timeout: Duration?, deadline: ContinuousClock.Instant?,
    trace: ServiceContext?
  ) async -> Result<Completion, SchedulingError> {
    guard !Task.isCancelled else { return .failure(.cancelled) }
    let now = ContinuousClock.now
    if let deadline, deadline <= now { return .failure(.deadlineExceeded(model: model.name, waited: .zero)) }
    return await withCheckedContinuation { continuation in
      let queued = QueuedRequest(
        id: id, rows: request.batchSize, priority: priority, timeout: timeout, deadline: deadline, group: Self.group(of: request))
      switch queue.enqueue(queued, now: now) {
      case .queued:
        let queueSpan = trace.flatMap { trace in tracer?.startSpan("queue", context: trace) }
        waiting[id] = Pending(
          request: request, enqueued: now, deadline: deadline, continuation: continuation, trace: trace, queueSpan: queueSpan)
        pump()
      case .queueFull(let retryAfter):
        continuation.resume(returning: .failure(.queueFull(model: model.name, retryAfter: retryAfter)))
      case .cannotMeetDeadline(let wait, let retryAfter):
        continuation.resume(returning: .failure(.cannotMeetDeadline(model: model.name, expectedWait: wait, retryAfter: retryAfter)))
      case .invalidPriority(let level):
        continuation.resume(returning: .failure(.invalidPriority(model: model.name, level: level, levels: queue.policy.priorityLevels)))
      }
    }
  }

  /// The client went away (or its deadline fired the server's cancellation): answer now, and
  /// take the request out of the queue if it has not started.
  private func cancel(_ id: UInt64) {
    guard let pending = waiting.removeValue(forKey: id) else { return }
    queue.cancel(id)
    pending.leftQueue("cancelled")
    let now = ContinuousClock.now
    if let deadline = pending.deadline, now >= deadline - .milliseconds(1) {
      pending.continuation.resume(returning: .failure(.deadlineExceeded(model: model.name, waited: now - pending.enqueued)))
    } else {
      pending.continuation.resume(returning: .failure(.cancelled))
    }
    pump()
  }

  /// Expires what is due, starts every batch an idle instance can take, and sets the timer for
  /// the next instant the queue needs attention.
  private func pump() {
    let now = ContinuousClock.now
    for id in queue.expire(now: now) {
      guard let pending = waiting.removeValue(forKey: id) else { continue }
      pending.leftQueue("deadline exceeded")
      pending.continuation.resume(returning: .failure(.deadlineExceeded(model: model.name, waited: now - pending.enqueued)))
    }
    while busy < instances, let ids = queue.nextBatch(now: now, idleInstances: instances - busy) {
      start(ids)
    }
    schedule(queue.nextWakeup(now: now, idleInstances: instances - busy))
    depth.store(queue.count, ordering: .relaxed)
    held.store(waiting.count, ordering: .relaxed)
  }

  private func start(_ ids: [UInt64]) {
    let members = ids.compactMap { id in waiting[id].map { (id: id, rows: $0.request.batchSize, inputs: $0.request.inputs) } }
    guard !members.isEmpty else { return }
    busy += 1
    let sequence = batchesStarted
    batchesStarted += 1
    hooks.started(model.name, String(model.version), members.count)
    let batchSpan = tracer.flatMap { traceBatch(ids, tracer: $0) }
    let model = self.model
    let executor = self.executor
    // Off the actor: joining the inputs and waiting for the executor must not hold up the queue.
    Task.detached {
      let started = ContinuousClock.now
      let rows = members.map(\.rows)
      // Traced, the executor's span (a separate edge-executor's) is the batch's child.
      let result = await ServiceContext.withValue(batchSpan?.context) { () async -> Result<ModelOutput, InferenceError> in
        do throws(InferenceError) {
          return .success(
            try await executor.execute(model, inputs: TensorRows.concatenate(members.map(\.inputs)), batchSize: rows.reduce(0, +)))
        } catch {
          return .failure(error)
        }
      }
      await self.finish(
        sequence: sequence, ids: members.map(\.id), rows: rows, started: started, finished: ContinuousClock.now, result: result,
        span: batchSpan)
    }
  }

  /// Ends the queue spans of a batch's requests and starts the batch's span: a child of its
  /// first traced request (the one that opened it, when every request is traced), so that
  /// request's trace shows its batch and a separate executor's span under it; linked to every
  /// traced request it carries.
  private func traceBatch(_ ids: [UInt64], tracer: RequestTracer) -> (any Span)? {
    var traces: [ServiceContext] = []
    var rows = 0
    for id in ids {
      guard let pending = waiting[id] else { continue }
      pending.queueSpan?.end()
      waiting[id]?.queueSpan = nil
      rows += pending.request.batchSize
      if let trace = pending.trace { traces.append(trace) }
    }
    guard let opener = traces.first else { return nil }
    let span = tracer.startSpan("batch", context: opener)
    for trace in traces { span.addLink(SpanLink(context: trace, attributes: [:])) }
    span.attributes["edge.model"] = model.name
    span.attributes["edge.version"] = String(model.version)
    span.attributes["edge.batch_requests"] = ids.count
    span.attributes["edge.batch_rows"] = rows
    return span
  }

  private func finish(
    sequence: UInt64, ids: [UInt64], rows: [Int], started: ContinuousClock.Instant, finished: ContinuousClock.Instant,
    result: Result<ModelOutput, InferenceError>, span: (any Span)?
  ) {
    if case .failure(let error) = result { span?.setStatus(SpanStatus(code: .error, message: error.description)) }
    span?.end()
    busy -= 1
    let compute = finished - started
    let total = rows.reduce(0, +)
    let parts = result.flatMap { output in Result { () throws(InferenceError) in try TensorRows.split(output, rows: rows) } }
    hooks.finished(model.name, String(model.version), ids.count, total, compute, (try? parts.get()) != nil)
    if case .success = parts {
      queue.recordCompletion(rows: total, duration: compute)
    } else {
      queue.recordFailedBatch()
    }
    var answers: [(UInt64, Result<Completion, SchedulingError>)] = []
    for (index, id) in ids.enumerated() {
      guard let pending = waiting[id] else { continue }
      switch parts {
      case .success(let outputs):
        answers.append(
          (id, .success(Completion(output: outputs[index], queued: started - pending.enqueued, compute: compute, batchRows: total))))
      case .failure(let error):
        answers.append((id, .failure(.failed(error))))
      }
    }
    if preservesOrdering {
      heldAnswers[sequence] = answers
      while let next = heldAnswers.removeValue(forKey: batchesAnswered) {
        answer(next)
        batchesAnswered += 1
      }
    } else {
      answer(answers)
    }
    pump()
  }

  private func answer(_ answers: [(UInt64, Result<Completion, SchedulingError>)]) {
    for (id, result) in answers {
      // Requests answered meanwhile (cancelled, or past their deadline) are gone from `waiting`.
      waiting.removeValue(forKey: id)?.continuation.resume(returning: result)
    }
  }

  /// Wakes the batcher at `instant` with no tolerance (deadlines are answered on time), replacing
  /// any earlier timer. The timer is an event loop's (NIO's scheduled task): a loop waiting in
  /// epoll takes the deadline as its timeout, where a sleeping task costs a timer thread's
  /// wake-up and a hand-over per queue delay.
  private func schedule(_ instant: ContinuousClock.Instant?) {
    guard instant != timerInstant else { return }
    timer?()
    timerInstant = instant
    guard let instant else {
      timer = nil
      return
    }
    let delay = ContinuousClock.now.duration(to: instant)
    let nanoseconds = max(0, delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000)
    let scheduled = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .nanoseconds(nanoseconds)) {
      Task { await self.wake(at: instant) }
    }
    timer = { scheduled.cancel() }
  }

  private func wake(at instant: ContinuousClock.Instant) {
    guard timerInstant == instant else { return }
    timerInstant = nil
    timer = nil
    pump()
  }

  /// Requests batch together only when their inputs concatenate: the same shapes past the batch
  /// dimension.
  static func group(of request: ValidatedInferRequest) -> Int {
    var hasher = Hasher()
    for input in request.inputs {
      hasher.combine(input.name)
      hasher.combine(input.shape.dropFirst().count)
      for dimension in input.shape.dropFirst() { hasher.combine(dimension) }
    }
    return hasher.finalize()
  }
}
