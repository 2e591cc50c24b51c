public import EdgeProto
public import EdgeRuntime
import Foundation
public import GRPCCore
import EdgeServer
public import EdgeObservability
public import Logging
import Tracing

/// The node's request path: find the model, validate the request against its configuration,
/// admit it within capacity, queue it on the model's dynamic batcher, and answer with its rows
/// of the batch's outputs and where it ran.
public struct InferenceEngine: Sendable {
  public let identity: NodeIdentity
  public let store: ModelStore
  public let load: NodeLoadTracker
  public let statistics: StatisticsBook
  public let batchers: ModelBatchers
  public let availability: ExecutorAvailability
  public let limits: RequestLimits
  /// Where batches run; repository changes are passed on to it.
  public let executor: any BatchExecutor
  /// The node's metrics page, when it has one.
  public let metrics: NodeMetrics?
  /// Where each request's access line goes (debug level); nil: nowhere.
  public var accessLog: Logger?
  /// Where refusals for load (capacity, a full queue) are logged, once per cause and interval.
  public var refusals: RefusalLog?
  /// Makes an `infer` span per request, and the batchers their `queue` and `batch` spans; nil
  /// makes none.
  public let tracer: RequestTracer?

  public init(
    identity: NodeIdentity, store: ModelStore, load: NodeLoadTracker, statistics: StatisticsBook,
    executor: any BatchExecutor = LocalExecutor(), availability: ExecutorAvailability = ExecutorAvailability(),
    limits: RequestLimits = RequestLimits(), metrics: NodeMetrics? = nil, tracer: RequestTracer? = nil
  ) {
    self.metrics = metrics
    self.tracer = tracer
    self.availability = availability
    self.executor = executor
    self.identity = identity
    self.store = store
    self.load = load
    self.statistics = statistics
    self.limits = limits
    self.batchers = ModelBatchers(
      executor: executor,
      hooks: BatchHooks(
        started: { _, _, requests in load.executionStarted(requests: requests) },
        finished: { model, version, requests, rows, compute, succeeded in
          load.executionFinished(requests: requests, microseconds: compute.fractionalMicroseconds)
          metrics?.executed(model: model, version: version, rows: rows)
          if succeeded {
            statistics.recordExecution(model: model, version: version, batchRows: rows, computeNanoseconds: compute.wholeNanoseconds)
          }
        }),
      onInstancesChanged: { load.setInstances($0) }, tracer: tracer)
  }

  /// Runs one request. `deadline` is the client's gRPC deadline: a request still queued then is
  /// answered DEADLINE_EXCEEDED at that instant and never executed. `trace` is the trace context
  /// the request arrived with (the router's attempt, or a direct client's); without one the
  /// request starts a trace. Its id is reported in `edge_trace_id` and in the access line.
  public func infer(
    _ request: Inference_ModelInferRequest, deadline: ContinuousClock.Instant? = nil, trace parent: TraceContext? = nil
  ) async throws(RPCError) -> Inference_ModelInferResponse {
    guard let tracer else { return try await infer(request, deadline: deadline, traceID: (parent ?? .start()).traceID, span: nil) }
    let (span, traceID) = tracer.startSpan("infer", parent: parent, kind: .server)
    // An unsampled span records nothing: its attributes are not worth building.
    let recording = span.isRecording
    if recording { span.attributes["edge.request_id"] = ClientText.loggable(request.id) }
    do throws(RPCError) {
      let answer = try await infer(request, deadline: deadline, traceID: traceID, span: recording ? span : nil)
      if recording { span.attributes["rpc.grpc.status"] = "OK" }
      span.end()
      return answer
    } catch {
      if recording {
        span.attributes["rpc.grpc.status"] = error.code.canonicalName
        span.setStatus(SpanStatus(code: .error, message: error.message))
      }
      span.end()
      throw error
    }
  }

  private func infer(
    _ request: Inference_ModelInferRequest, deadline: ContinuousClock.Instant?, traceID: String, span: (any Span)?
  ) async throws(RPCError) -> Inference_ModelInferResponse {
    let received = ContinuousClock.now
    let loaded: LoadedModel
    do throws(RPCError) {
      loaded = try InferenceError.mapped { () throws(InferenceError) in
        try store.model(named: request.modelName, version: request.modelVersion)
      }
    } catch {
      // Not labelled with the name asked for: clients must not be able to mint label values.
      metrics?.failed(model: "", version: "", code: error.code.canonicalName, total: ContinuousClock.now - received)
      throw error
    }
    let version = String(loaded.version)
    span?.attributes["edge.model"] = loaded.name
    span?.attributes["edge.version"] = version
    do throws(RPCError) {
      let (validated, schedule) = try InferenceError.mapped { () throws(InferenceError) in
        let validated = try RequestValidator.validate(request, config: loaded.config, limits: limits)
        try loaded.model.check(validated.inputs, batchSize: validated.batchSize)
        return (validated, try RequestSchedule(parameters: request.parameters))
      }
      guard availability.isAvailable else {
        throw RPCError(InferenceError.unavailable("model '\(loaded.name)' is not ready on node \(identity.id): its executor is unreachable"))
      }
      guard load.admit() else {
        refusals?.refused("node_at_capacity", "node \(identity.id) is at capacity (\(load.capacity) requests)")
        throw RPCError.overloaded(
          "node \(identity.id) is at capacity (\(load.capacity) requests)", retryAfterMilliseconds: load.retryAfterMilliseconds())
      }
      defer { load.release() }
      let completion: ModelBatcher.Completion
      do {
        completion = try await batchers.batcher(for: loaded).submit(
          validated, priority: schedule.priority, timeout: schedule.timeout, deadline: deadline, trace: span?.context)
      } catch {
        switch error {
        case .queueFull: refusals?.refused("queue_full", "the queue of model '\(loaded.name)' is full")
        case .cannotMeetDeadline: refusals?.refused("deadline_unreachable", "model '\(loaded.name)' cannot start requests before their deadlines")
        default: break
        }
        throw RPCError(error)
      }
      let total = ContinuousClock.now - received
      statistics.recordSuccess(
        model: loaded.name, version: version, rows: validated.batchSize,
        totalNanoseconds: total.wholeNanoseconds, queueNanoseconds: completion.queued.wholeNanoseconds,
        computeNanoseconds: completion.compute.wholeNanoseconds)
      metrics?.succeeded(
        model: loaded.name, version: version, rows: validated.batchSize, queue: completion.queued, compute: completion.compute,
        total: total)
      accessLog?.debug(
        "answered",
        metadata: [
          "model": "\(loaded.name)", "version": "\(version)", "id": "\(ClientText.loggable(request.id))", "code": "OK",
          "trace_id": "\(traceID)",
          "rows": "\(validated.batchSize)", "batch_rows": "\(completion.batchRows)",
          "queue_us": "\(Int(completion.queued.fractionalMicroseconds))", "compute_us": "\(Int(completion.compute.fractionalMicroseconds))",
          "total_us": "\(Int(total.fractionalMicroseconds))",
        ])
      var answer = response(
        to: request, model: loaded, outputs: completion.output, names: validated.outputNames,
        queue: completion.queued, compute: completion.compute, batchRows: completion.batchRows, requestRows: validated.batchSize)
      answer.parameters[ResponseParameter.traceID] = .string(traceID)
      return answer
    } catch {
      let total = ContinuousClock.now - received
      statistics.recordFailure(model: loaded.name, version: version, totalNanoseconds: total.wholeNanoseconds)
      metrics?.failed(model: loaded.name, version: version, code: error.code.canonicalName, total: total)
      accessLog?.debug(
        "refused or failed",
        metadata: [
          "model": "\(loaded.name)", "version": "\(version)", "id": "\(ClientText.loggable(request.id))",
          "code": "\(error.code.canonicalName)", "total_us": "\(Int(total.fractionalMicroseconds))", "trace_id": "\(traceID)",
        ])
      throw error
    }
  }

  private func response(
    to request: Inference_ModelInferRequest, model: LoadedModel, outputs: ModelOutput, names: [String],
    queue: Duration, compute: Duration, batchRows: Int, requestRows: Int
  ) -> Inference_ModelInferResponse {
    var response = Inference_ModelInferResponse()
    response.modelName = model.name
    response.modelVersion = String(model.version)
    response.id = request.id
    let unbatched = model.config.maxBatchSize == 0
    for name in names {
      guard let tensor = outputs[name] else { continue }
      var output = Inference_ModelInferResponse.InferOutputTensor()
      output.name = tensor.name
      output.datatype = tensor.dataType.rawValue
      // A model without a batch dimension answers in its declared shape.
      output.shape = (unbatched ? Array(tensor.shape.dropFirst()) : tensor.shape).map(Int64.init)
      response.outputs.append(output)
      response.rawOutputContents.append(Data(tensor.data))
    }
    response.parameters[ResponseParameter.node] = .string(identity.id)
    response.parameters[ResponseParameter.region] = .string(identity.region)
    response.parameters[ResponseParameter.queueMicroseconds] = .int64(Int64(queue.fractionalMicroseconds))
    response.parameters[ResponseParameter.computeMicroseconds] = .int64(Int64(compute.fractionalMicroseconds))
    response.parameters[ResponseParameter.batchRows] = .int64(Int64(batchRows))
    response.parameters[ResponseParameter.requestRows] = .int64(Int64(requestRows))
    let share = batchRows > 0 ? compute.fractionalMicroseconds * Double(min(requestRows, batchRows)) / Double(batchRows) : compute.fractionalMicroseconds
    response.parameters[ResponseParameter.computeShareMicroseconds] = .int64(Int64(share.rounded()))
    if !outputs.truncatedRows.isEmpty {
      response.parameters[ResponseParameter.truncatedRows] = .string(outputs.truncatedRows.map(String.init).joined(separator: ","))
    }
    return response
  }
}
