public import EdgeProto
import EdgeRuntime
import SwiftProtobuf
public import GRPCCore
import EdgeServer
import EdgeObservability

/// The Open Inference Protocol on a node: inference, metadata, configuration, statistics and
/// the model repository, all answered from the node's own store.
public struct NodeInferenceService: Inference_GRPCInferenceService.ServiceProtocol {
  public let engine: InferenceEngine

  public init(engine: InferenceEngine) {
    self.engine = engine
  }

  private var store: ModelStore { engine.store }

  /// A request still queued is answered this long before the caller's deadline, so the answer
  /// reaches it before its own timer fires: a client whose timer fires resets the stream, and a
  /// storm of resets is what HTTP/2 servers (this one too) close connections for.
  static let deadlineLead = Duration.milliseconds(2)

  public func serverLive(
    request: ServerRequest<Inference_ServerLiveRequest>, context: ServerContext
  ) async throws -> ServerResponse<Inference_ServerLiveResponse> {
    ServerResponse(message: .with { $0.live = true })
  }

  public func serverReady(
    request: ServerRequest<Inference_ServerReadyRequest>, context: ServerContext
  ) async throws -> ServerResponse<Inference_ServerReadyResponse> {
    let ready = engine.availability.isAvailable && store.states().contains { if case .ready = $0.state { true } else { false } }
    return ServerResponse(message: .with { $0.ready = ready })
  }

  public func modelReady(
    request: ServerRequest<Inference_ModelReadyRequest>, context: ServerContext
  ) async throws -> ServerResponse<Inference_ModelReadyResponse> {
    let ready = engine.availability.isAvailable && (try? store.model(named: request.message.name, version: request.message.version)) != nil
    return ServerResponse(message: .with { $0.ready = ready })
  }

  public func serverMetadata(
    request: ServerRequest<Inference_ServerMetadataRequest>, context: ServerContext
  ) async throws -> ServerResponse<Inference_ServerMetadataResponse> {
    ServerResponse(message: ServerInfo.metadata)
  }

  public func modelMetadata(
    request: ServerRequest<Inference_ModelMetadataRequest>, context: ServerContext
  ) async throws -> ServerResponse<Inference_ModelMetadataResponse> {
    let loaded = try InferenceError.mapped { () throws(InferenceError) in
      try store.model(named: request.message.name, version: request.message.version)
    }
    guard case .ready(let versions) = store.state(of: loaded.name) else {
      throw RPCError(.modelNotReady(loaded.name))
    }
    return ServerResponse(message: ModelMetadataBuilder.metadata(config: loaded.config, versions: versions))
  }

  public func modelInfer(
    request: ServerRequest<Inference_ModelInferRequest>, context: ServerContext
  ) async throws -> ServerResponse<Inference_ModelInferResponse> {
    let timeout = GRPCTimeout.from(request.metadata)
    let limits = engine.limits
    try InferenceError.mapped { () throws(InferenceError) in try limits.checkDeadline(timeout) }
    let deadline = timeout.map { ContinuousClock.now + $0 - Self.deadlineLead }
    // gRPC reports a cancelled RPC (client gone, or its deadline passed) through the context, not
    // by cancelling this task; the batcher listens for task cancellation, so relay it.
    let engine = engine
    let message = request.message
    let parent = TraceContext(request.metadata)
    let inference = Task { () throws(RPCError) -> Inference_ModelInferResponse in
      try await engine.infer(message, deadline: deadline, trace: parent)
    }
    return try await withTaskCancellationHandler {
      try await withRPCCancellationHandler {
        ServerResponse(message: try await inference.value)
      } onCancelRPC: {
        inference.cancel()
      }
    } onCancel: {
      inference.cancel()
    }
  }

  /// ModelInfer as the node's front (FrontListener) takes it: the request's bytes and metadata
  /// in, the answer's bytes out. Cancelling the calling task (the caller reset its stream) ends
  /// the request wherever it is.
  public func modelInfer(bytes: [UInt8], metadata: Metadata) async throws -> [UInt8] {
    let timeout = GRPCTimeout.from(metadata)
    try InferenceError.mapped { () throws(InferenceError) in try engine.limits.checkDeadline(timeout) }
    let deadline = timeout.map { ContinuousClock.now + $0 - Self.deadlineLead }
    let request: Inference_ModelInferRequest
    do {
      request = try Inference_ModelInferRequest(serializedBytes: bytes)
    } catch {
      throw RPCError(code: .invalidArgument, message: "the request is not a valid ModelInferRequest: \(error)")
    }
    // The router's hop (or a direct client's) is the parent; a call without one starts a trace.
    return try await engine.infer(request, deadline: deadline, trace: TraceContext(metadata)).serializedBytes()
  }

  public func modelConfig(
    request: ServerRequest<Inference_ModelConfigRequest>, context: ServerContext
  ) async throws -> ServerResponse<Inference_ModelConfigResponse> {
    let name = request.message.name
    let config: Inference_ModelConfig = try InferenceError.mapped { () throws(InferenceError) in
      if let loaded = try? store.model(named: name, version: request.message.version) { return loaded.config }
      guard ModelRepository.isSafeName(name) else { throw .modelNotFound(name) }
      return try store.repository.configuration(of: name)
    }
    return ServerResponse(message: .with { $0.config = config })
  }

  public func modelStatistics(
    request: ServerRequest<Inference_ModelStatisticsRequest>, context: ServerContext
  ) async throws -> ServerResponse<Inference_ModelStatisticsResponse> {
    let name = request.message.name
    let version = request.message.version
    var stats = engine.statistics.statistics(model: name, version: version)
    // Loaded models that have not run yet still appear, with zero counts, as in Triton.
    for (model, state) in store.states() where name.isEmpty || model == name {
      guard case .ready(let versions) = state else { continue }
      for loadedVersion in versions.map(String.init) where version.isEmpty || loadedVersion == version {
        if !stats.contains(where: { $0.name == model && $0.version == loadedVersion }) {
          stats.append(StatisticsBook.empty(model: model, version: loadedVersion))
        }
      }
    }
    if !name.isEmpty && stats.isEmpty {
      _ = try InferenceError.mapped { () throws(InferenceError) in try store.model(named: name, version: version) }
    }
    stats.sort { ($0.name, $0.version) < ($1.name, $1.version) }
    return ServerResponse(message: .with { $0.modelStats = stats })
  }

  public func repositoryIndex(
    request: ServerRequest<Inference_RepositoryIndexRequest>, context: ServerContext
  ) async throws -> ServerResponse<Inference_RepositoryIndexResponse> {
    let names = try InferenceError.mapped { () throws(InferenceError) in try store.repository.modelNames() }
    var models: [Inference_RepositoryIndexResponse.ModelIndex] = []
    for name in names {
      let state = store.state(of: name) ?? .unavailable(reason: "unloaded")
      if request.message.ready, case .ready = state {} else if request.message.ready { continue }
      switch state {
      case .ready(let versions):
        for version in versions {
          models.append(.with { $0.name = name; $0.version = String(version); $0.state = state.tritonName })
        }
      case .loading:
        models.append(.with { $0.name = name; $0.state = state.tritonName })
      case .unavailable(let reason):
        models.append(.with { $0.name = name; $0.state = state.tritonName; $0.reason = reason })
      }
    }
    return ServerResponse(message: .with { $0.models = models })
  }

  public func repositoryModelLoad(
    request: ServerRequest<Inference_RepositoryModelLoadRequest>, context: ServerContext
  ) async throws -> ServerResponse<Inference_RepositoryModelLoadResponse> {
    let name = request.message.modelName
    let version = try RepositoryVersion.from(request.message.parameters)
    let executor = engine.executor
    guard ModelRepository.isSafeName(name) else { throw RPCError(InferenceError.modelNotFound(name)) }
    do {
      try await InferenceError.mapped { () async throws(InferenceError) in
        // Where the batches run first, so the node never serves a version its executor lacks.
        try await executor.load(name, version: version)
        try await BlockingWork.run { [store] () throws(InferenceError) in
          if let version { try store.load(name, version: version) } else { try store.load(name) }
        }
      }
      engine.metrics?.loaded(model: name, succeeded: true)
    } catch {
      // Only names of the repository's form: a load of a name with no folder fails here too.
      engine.metrics?.loaded(model: name, succeeded: false)
      throw error
    }
    return ServerResponse(message: Inference_RepositoryModelLoadResponse())
  }

  public func repositoryModelUnload(
    request: ServerRequest<Inference_RepositoryModelUnloadRequest>, context: ServerContext
  ) async throws -> ServerResponse<Inference_RepositoryModelUnloadResponse> {
    let name = request.message.modelName
    let version = try RepositoryVersion.from(request.message.parameters)
    let executor = engine.executor
    guard ModelRepository.isSafeName(name) else { throw RPCError(InferenceError.modelNotFound(name)) }
    do {
      try await InferenceError.mapped { () async throws(InferenceError) in
        // The executor first: one that refuses leaves both unchanged. Batches for the model that
        // reach the executor in between are answered as the model not being ready there, which
        // routers take as about that model only.
        try await executor.unload(name, version: version)
        if let version { try store.unload(name, version: version) } else { try store.unload(name) }
      }
      engine.metrics?.unloaded(model: name, succeeded: true)
    } catch {
      engine.metrics?.unloaded(model: name, succeeded: false)
      throw error
    }
    return ServerResponse(message: Inference_RepositoryModelUnloadResponse())
  }
}
