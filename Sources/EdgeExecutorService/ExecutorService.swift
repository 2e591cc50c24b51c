public import EdgeProto
public import EdgeRuntime
import Foundation
import SwiftProtobuf
public import GRPCCore
import EdgeServer
import EdgeNodeService
public import EdgeObservability
import Tracing

/// `edgeinfer.v1.Executor` in an `edge-executor` process: runs a node's formed batches on the
/// CPU kernels, from its own model store, reached over mTLS, so a crash in a model costs the node
/// only UNAVAILABLE answers until it is back. (A node without `--executor` calls LocalExecutor
/// directly.) Batches are checked as fully as client requests, within the node's limits times
/// the model's batch size: the executor trusts its node's certificate, not the bytes.
public struct ExecutorService: Edgeinfer_V1_Executor.SimpleServiceProtocol {
  public let store: ModelStore
  /// The node's limits on one request (`edge-executor --max-…`, the same as the node's).
  public let limits: RequestLimits
  private let runner = LocalExecutor()
  /// The executor's metrics page, when it has one.
  public let metrics: ExecutorMetrics?
  /// Makes an `execute` span per batch, under the node's `batch` span; nil makes none.
  public let tracer: RequestTracer?

  public init(
    store: ModelStore, limits: RequestLimits = RequestLimits(), metrics: ExecutorMetrics? = nil, tracer: RequestTracer? = nil
  ) {
    self.store = store
    self.tracer = tracer
    self.limits = limits
    self.metrics = metrics
  }

  /// The batch with the node's trace context: the generated service calls this one.
  public func executeBatch(
    request: ServerRequest<Edgeinfer_V1_ExecuteBatchRequest>, context: ServerContext
  ) async throws -> ServerResponse<Edgeinfer_V1_ExecuteBatchResponse> {
    // Traced only under a node's batch span: a batch the node did not trace (unsampled) starts
    // no trace of its own here.
    guard let tracer, let parent = TraceContext(request.metadata) else {
      return ServerResponse(message: try await executeBatch(request: request.message, context: context))
    }
    let (span, _) = tracer.startSpan("execute", parent: parent, kind: .server)
    span.attributes["edge.model"] = ClientText.loggable(request.message.modelName)
    span.attributes["edge.batch_rows"] = Int(request.message.batchSize)
    do {
      let answer = try await executeBatch(request: request.message, context: context)
      span.end()
      return ServerResponse(message: answer)
    } catch {
      span.setStatus(SpanStatus(code: .error, message: "\(error)"))
      span.end()
      throw error
    }
  }

  public func executeBatch(
    request: Edgeinfer_V1_ExecuteBatchRequest, context: ServerContext
  ) async throws -> Edgeinfer_V1_ExecuteBatchResponse {
    // Labelled with the model only once the store has it: the label values stay the repository's.
    var served: (name: String, version: String) = ("", "")
    do {
      return try await InferenceError.mapped { () async throws(InferenceError) -> Edgeinfer_V1_ExecuteBatchResponse in
        let model = try store.model(named: request.modelName, version: request.modelVersion)
        served = (model.name, String(model.version))
        let batch = try RequestValidator.validate(
          ExecutorWire.inferRequest(request), config: model.config, limits: Self.batchLimits(model.config, limits))
        guard batch.batchSize == Int(request.batchSize) else {
          throw .invalidRequest("the batch declares \(request.batchSize) rows but its inputs hold \(batch.batchSize)")
        }
        let started = ContinuousClock.now
        let output = try await runner.execute(model, inputs: batch.inputs, batchSize: batch.batchSize)
        let elapsed = ContinuousClock.now - started
        metrics?.answered(model: model.name, version: served.version, code: "OK", elapsed: elapsed, rows: batch.batchSize)
        return ExecutorWire.response(output, names: batch.outputNames, computeNanoseconds: elapsed.wholeNanoseconds)
      }
    } catch {
      metrics?.answered(model: served.name, version: served.version, code: error.code.canonicalName, elapsed: nil, rows: nil)
      throw error
    }
  }

  public func loadModel(
    request: Edgeinfer_V1_LoadModelRequest, context: ServerContext
  ) async throws -> Edgeinfer_V1_LoadModelResponse {
    let version = try Self.version(request.version)
    let name = request.modelName
    guard ModelRepository.isSafeName(name) else { throw RPCError(InferenceError.modelNotFound(name)) }
    do {
      try await InferenceError.mapped { [store] () async throws(InferenceError) in
        try await BlockingWork.run { () throws(InferenceError) in
          if let version { try store.load(name, version: version) } else { try store.load(name) }
        }
      }
    } catch {
      metrics?.loaded(model: name, succeeded: false)
      throw error
    }
    guard case .ready(let versions) = store.state(of: request.modelName) else {
      metrics?.loaded(model: name, succeeded: false)
      throw RPCError(.modelNotReady(request.modelName))
    }
    metrics?.loaded(model: name, succeeded: true)
    return .with { $0.versions = versions.map(String.init) }
  }

  public func unloadModel(
    request: Edgeinfer_V1_UnloadModelRequest, context: ServerContext
  ) async throws -> Edgeinfer_V1_UnloadModelResponse {
    let version = try Self.version(request.version)
    guard ModelRepository.isSafeName(request.modelName) else { throw RPCError(InferenceError.modelNotFound(request.modelName)) }
    do {
      try InferenceError.mapped { () throws(InferenceError) in
        if let version { try store.unload(request.modelName, version: version) } else { try store.unload(request.modelName) }
      }
      metrics?.unloaded(model: request.modelName, succeeded: true)
    } catch {
      metrics?.unloaded(model: request.modelName, succeeded: false)
      throw error
    }
    return Edgeinfer_V1_UnloadModelResponse()
  }

  public func listModels(
    request: Edgeinfer_V1_ListModelsRequest, context: ServerContext
  ) async throws -> Edgeinfer_V1_ListModelsResponse {
    var response = Edgeinfer_V1_ListModelsResponse()
    for (name, state) in store.states() {
      guard case .ready(let versions) = state else { continue }
      for version in versions {
        guard let loaded = try? store.model(named: name, version: String(version)) else { continue }
        response.models.append(
          .with {
            $0.name = name
            $0.version = String(version)
            $0.backend = loaded.config.backend
            $0.weightBytes = UInt64(loaded.model.weightByteCount)
          })
      }
    }
    return response
  }

  /// A request's version: nil when empty (the whole model), else a version number.
  static func version(_ text: String) throws(RPCError) -> Int? {
    guard !text.isEmpty else { return nil }
    guard let number = Int(text), number >= 0 else {
      throw RPCError(code: .invalidArgument, message: "version must be a version number, not '\(text)'")
    }
    return number
  }

  /// A batch joins up to `max_batch_size` requests, each within the node's limits; the executor
  /// bounds what one batch may hold accordingly.
  static func batchLimits(_ config: Inference_ModelConfig, _ single: RequestLimits) -> RequestLimits {
    let requests = max(1, Int(config.maxBatchSize))
    return RequestLimits(
      maxElementsPerTensor: single.maxElementsPerTensor.multipliedReportingOverflow(by: requests).partialValue,
      maxBytesElementLength: single.maxBytesElementLength,
      maxRequestBytes: single.maxRequestBytes.multipliedReportingOverflow(by: requests).partialValue)
  }
}
