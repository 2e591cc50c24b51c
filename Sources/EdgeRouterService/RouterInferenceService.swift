import EdgeMetering
public import EdgeObservability
public import EdgeProto
public import EdgeRuntime
import EdgeRouting
import EdgeSecurity
import EdgeWire
import Foundation
public import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import SwiftProtobuf
import Tracing
import EdgeServer

/// The Open Inference Protocol on the router: each model call goes to the nearest healthy node
/// that has the model ready (see NodeForwarder); server-wide calls are answered from the
/// registry or gathered from every healthy node.
public struct RouterInferenceService: Inference_GRPCInferenceService.ServiceProtocol {
  public let forwarder: NodeForwarder
  /// Checked before forwarding, so an oversized request never travels to a node.
  public let limits: RequestLimits
  private var view: ClusterView { forwarder.view }

  /// Reported to clients as `edge_router`, so a client of several routers sees which answered.
  public var routerID = ""
  /// Meters answered inference by credential and model; nil meters nothing.
  public var usage: UsageRecorder?
  /// Keeps the last minute of answered requests for the operator dashboard; nil keeps nothing.
  public var dashboard: DashboardRecorder?
  /// Makes a `route` span per request, with one `attempt` span per node tried; nil makes none.
  public var tracer: RequestTracer? { forwarder.tracer }

  public init(forwarder: NodeForwarder, limits: RequestLimits = RequestLimits()) {
    self.forwarder = forwarder
    self.limits = limits
  }

  public func serverLive(
    request: ServerRequest<Inference_ServerLiveRequest>, context: ServerContext
  ) async throws -> ServerResponse<Inference_ServerLiveResponse> {
    ServerResponse(message: .with { $0.live = true })
  }

  public func serverReady(
    request: ServerRequest<Inference_ServerReadyRequest>, context: ServerContext
  ) async throws -> ServerResponse<Inference_ServerReadyResponse> {
    ServerResponse(message: .with { $0.ready = isReady })
  }

  /// Ready while some healthy node has a model ready (ServerReady, and REST's `/v2/health/ready`).
  public var isReady: Bool {
    view.healthyNodes().contains { $0.models.contains(where: \.isReady) }
  }

  public func modelReady(
    request: ServerRequest<Inference_ModelReadyRequest>, context: ServerContext
  ) async throws -> ServerResponse<Inference_ModelReadyResponse> {
    let location = try RequestMetadata.location(in: request.metadata)
    // Ready for this caller: within its residency bound.
    let bound = try forwarder.residency.bound(in: request.metadata, caller: Caller.current)
    let ready = !view.rank(model: request.message.name, version: request.message.version, from: location, within: bound).isEmpty
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
    let outcome = try await forwarder.forward(
      model: request.message.name, version: request.message.version, metadata: request.metadata, received: .now
    ) { client, options in
      try await client.modelMetadata(request.message, options: options)
    }
    return ServerResponse(message: outcome.response)
  }

  /// ModelInfer decoded, for callers that register this service alone; the router's servers
  /// register RouterInferenceRoutes, which forward the bytes without decoding them.
  public func modelInfer(
    request: ServerRequest<Inference_ModelInferRequest>, context: ServerContext
  ) async throws -> ServerResponse<Inference_ModelInferResponse> {
    let answer = try await forwardInfer(try request.message.serializedBytes(), metadata: request.metadata)
    return ServerResponse(message: try Inference_ModelInferResponse(serializedBytes: answer))
  }

  /// Forwards a serialized ModelInferRequest to the best node and returns the node's serialized
  /// answer with the router's parameters appended (protobuf reads the last value of a map key).
  /// Only the fields routing, limits and metering need are read (InferRequestSummary); the node
  /// reports where it ran (edge_node, edge_region) itself.
  public func forwardInfer(_ request: [UInt8], metadata: Metadata) async throws -> [UInt8] {
    let received = ContinuousClock.now
    var summary = InferRequestSummary()
    // The client's trace, or a new one: its id goes back in the answer and into every log line
    // about the request, and the node gets this hop (or, traced, the attempt's span) as its parent.
    let incoming = TraceContext(metadata)
    let route = tracer?.startSpan("route", parent: incoming, kind: .server)
    let trace = incoming ?? .start()
    let traceID = route?.traceID ?? trace.traceID
    do {
      let (response, routing, outcome) = try await ServiceContext.withValue(route?.span.context) {
        try await forwardInfer(request, metadata: metadata, received: received, trace: trace, traceID: traceID, summary: &summary)
      }
      let total = ContinuousClock.now - received
      dashboard?.record(
        from: try? RequestMetadata.location(in: metadata), node: outcome.node,
        credential: Caller.current?.credential.name ?? "anonymous", elapsed: total)
      if let span = route?.span {
        // An unsampled span records nothing: its attributes are not worth building.
        if span.isRecording {
          Self.describe(span, summary, code: "OK")
          span.attributes["edge.node"] = outcome.node
          span.attributes["edge.attempts"] = outcome.attempts
          span.attributes["edge.route_us"] = Int(routing.fractionalMicroseconds)
        }
        span.end()
      }
      forwarder.metrics.inferenceAnswered(model: summary.modelName, code: "OK", total: total, routing: routing)
      forwarder.logger.debug(
        "answered",
        metadata: Self.accessFields(summary, code: "OK", total: total, traceID: traceID).merging([
          "node": "\(outcome.node)", "attempts": "\(outcome.attempts)", "route_us": "\(Int(routing.fractionalMicroseconds))",
        ]) { $1 })
      return response
    } catch {
      let code = (error as? RPCError)?.code.canonicalName ?? (error is CancellationError ? "CANCELLED" : "UNKNOWN")
      let total = ContinuousClock.now - received
      if forwarder.metrics.recording {
        forwarder.metrics.inferenceAnswered(
          model: view.knowsModel(summary.modelName) ? summary.modelName : "", code: code, total: total, routing: nil)
      }
      forwarder.logger.debug("refused or failed", metadata: Self.accessFields(summary, code: code, total: total, traceID: traceID))
      if let span = route?.span {
        if span.isRecording {
          Self.describe(span, summary, code: code)
          span.setStatus(SpanStatus(code: .error, message: (error as? RPCError)?.message))
        }
        span.end()
      }
      throw error
    }
  }

  /// A route span's attributes: what was asked for (the client's text made safe) and the answer's
  /// status.
  private static func describe(_ span: any Span, _ summary: InferRequestSummary, code: String) {
    span.attributes["edge.model"] = ClientText.loggable(summary.modelName)
    span.attributes["edge.version"] = ClientText.loggable(summary.modelVersion)
    span.attributes["edge.request_id"] = ClientText.loggable(summary.id)
    span.attributes["rpc.grpc.status"] = code
  }

  /// An access-log line's fields: what the client asked for (its text made safe to log), the
  /// answer's status and the time it took.
  private static func accessFields(_ summary: InferRequestSummary, code: String, total: Duration, traceID: String) -> Logger.Metadata {
    [
      "trace_id": "\(traceID)",
      "model": "\(ClientText.loggable(summary.modelName))", "version": "\(ClientText.loggable(summary.modelVersion))",
      "id": "\(ClientText.loggable(summary.id))", "code": "\(code)", "rows": "\(summary.rows)",
      "total_us": "\(Int(total.fractionalMicroseconds))", "credential": "\(Caller.current?.credential.name ?? "anonymous")",
    ]
  }

  /// The same, filling in the request's summary once read and returning the time the request
  /// spent outside the node (the router's `edge_route_us`) and the node that answered.
  private func forwardInfer(
    _ request: [UInt8], metadata: Metadata, received: ContinuousClock.Instant, trace: TraceContext, traceID: String,
    summary scanned: inout InferRequestSummary
  ) async throws -> ([UInt8], Duration, (node: String, attempts: Int)) {
    let summary: InferRequestSummary
    do {
      summary = try InferRequestSummary(scanning: request)
    } catch {
      throw RPCError(code: .invalidArgument, message: "the request is not a valid ModelInferRequest: \(error)")
    }
    scanned = summary
    try InferenceError.mapped { () throws(InferenceError) in
      try RequestValidator.checkSize(payloadBytes: summary.payloadBytes, limits: limits)
    }
    let credential = Caller.current?.credential.name ?? "anonymous"
    var caller = RawModelInferCaller(links: forwarder.links, request: request)
    // Traced, each attempt sends its own span as the node's parent (RawModelInferCaller).
    if let tracer { caller.tracer = tracer } else { caller.forwardedHeaders = trace.child().headers }
    // A caller that cancels before its deadline while the node works is charged for what the
    // node did: cancelling is no way to use compute unmetered.
    caller.onAnswerAfterCallerLeft = { [usage] answer in
      let totals = Self.usage(of: summary, answer: (try? InferResponseSummary(scanning: answer)) ?? InferResponseSummary())
      usage?.record(totals, credential: credential, model: summary.modelName)
    }
    let outcome = try await forwarder.forward(
      model: summary.modelName, version: summary.modelVersion, metadata: metadata, received: received, via: caller)
    var response = outcome.response
    // A node's answer that cannot be read is passed on as it is; the caller's decoder will say so.
    let answer = (try? InferResponseSummary(scanning: response)) ?? InferResponseSummary()
    let total = (ContinuousClock.now - received).fractionalMicroseconds
    let onNode = Double(
      (answer.int64Parameters[ResponseParameter.queueMicroseconds] ?? 0)
        + (answer.int64Parameters[ResponseParameter.computeMicroseconds] ?? 0))
    let routing = max(0, total - onNode)
    WireParameter.append(ResponseParameter.routeMicroseconds, .int64(Int64(routing)), to: &response)
    WireParameter.append(ResponseParameter.attempts, .int64(Int64(outcome.attempts)), to: &response)
    WireParameter.append(ResponseParameter.traceID, .string(traceID), to: &response)
    WireParameter.append(ResponseParameter.distanceKilometres, .double(outcome.node.distanceKilometres), to: &response)
    if !routerID.isEmpty { WireParameter.append(ResponseParameter.router, .string(routerID), to: &response) }
    usage?.record(Self.usage(of: summary, answer: answer), credential: credential, model: summary.modelName)
    return (response, .nanoseconds(Int64(routing * 1000)), (outcome.node.node.id, outcome.attempts))
  }

  public func modelConfig(
    request: ServerRequest<Inference_ModelConfigRequest>, context: ServerContext
  ) async throws -> ServerResponse<Inference_ModelConfigResponse> {
    let outcome = try await forwarder.forward(
      model: request.message.name, version: request.message.version, metadata: request.metadata, received: .now
    ) { client, options in
      try await client.modelConfig(request.message, options: options)
    }
    return ServerResponse(message: outcome.response)
  }

  public func modelStatistics(
    request: ServerRequest<Inference_ModelStatisticsRequest>, context: ServerContext
  ) async throws -> ServerResponse<Inference_ModelStatisticsResponse> {
    let name = request.message.name
    // A bound caller's statistics come from the nodes inside its bound only.
    let bound = try forwarder.residency.bound(in: request.metadata, caller: Caller.current)
    let nodes = view.healthyNodes().filter {
      (name.isEmpty || $0.models.contains { $0.name == name }) && (bound?.admits($0.region) ?? true)
    }
    if !name.isEmpty && nodes.isEmpty {
      throw forwarder.view.noCandidateError(model: name, version: request.message.version)
    }
    let lists = await gather(from: nodes) { client, options in
      try await client.modelStatistics(request.message, options: options).modelStats
    }
    return ServerResponse(message: .with { $0.modelStats = StatisticsMerger.merge(lists.compactMap { try? $0.get() }) })
  }

  public func repositoryIndex(
    request: ServerRequest<Inference_RepositoryIndexRequest>, context: ServerContext
  ) async throws -> ServerResponse<Inference_RepositoryIndexResponse> {
    var seen = Set<String>()
    var models: [Inference_RepositoryIndexResponse.ModelIndex] = []
    for node in view.healthyNodes() {
      for model in node.models where seen.insert("\(model.name)\u{0}\(model.version)").inserted {
        if request.message.ready && !model.isReady { continue }
        models.append(.with {
          $0.name = model.name
          $0.version = model.version
          $0.state = model.isReady ? "READY" : "UNAVAILABLE"
        })
      }
    }
    models.sort { ($0.name, $0.version) < ($1.name, $1.version) }
    return ServerResponse(message: .with { $0.models = models })
  }

  public func repositoryModelLoad(
    request: ServerRequest<Inference_RepositoryModelLoadRequest>, context: ServerContext
  ) async throws -> ServerResponse<Inference_RepositoryModelLoadResponse> {
    _ = try RepositoryVersion.from(request.message.parameters)
    try await fanOut(metadata: request.metadata) { client, options in
      _ = try await client.repositoryModelLoad(request.message, options: options)
    }
    return ServerResponse(message: Inference_RepositoryModelLoadResponse())
  }

  public func repositoryModelUnload(
    request: ServerRequest<Inference_RepositoryModelUnloadRequest>, context: ServerContext
  ) async throws -> ServerResponse<Inference_RepositoryModelUnloadResponse> {
    let model = request.message.modelName
    let version = try RepositoryVersion.from(request.message.parameters).map(String.init) ?? ""
    let done = try await fanOut(metadata: request.metadata) { client, options in
      _ = try await client.repositoryModelUnload(request.message, options: options)
    }
    // The router did it, so it knows: no request is sent to a node it just emptied, whatever
    // the heartbeat in flight says.
    for node in done { view.markModelUnavailable(node, model: model, version: version) }
    return ServerResponse(message: Inference_RepositoryModelUnloadResponse())
  }

  /// Repository changes go to every live node (or, with `x-edge-route: pin:<node-id>`, to that
  /// one); it succeeds when at least one node did it, and returns the nodes that did. Live, not
  /// only healthy: a node out of rotation for a missed check comes back, and an unload that
  /// skipped it would come back with it.
  @discardableResult
  private func fanOut(
    metadata: Metadata,
    _ call: @escaping @Sendable (Inference_GRPCInferenceService.Client<HTTP2ClientTransport.Posix>, CallOptions) async throws -> Void
  ) async throws -> [String] {
    var nodes = view.liveNodes()
    if case .pinned(let id) = try RequestMetadata.routeMode(in: metadata) {
      nodes = view.liveNodes().filter { $0.id == id }
      guard !nodes.isEmpty else { throw RPCError(code: .notFound, message: "node '\(id)' is not registered with this router") }
    }
    guard !nodes.isEmpty else { throw RPCError(code: .unavailable, message: "no live node is registered with this router") }
    let results = await gather(from: nodes, call)
    let done = zip(nodes, results).compactMap { node, result in if case .success = result { node.id } else { nil } }
    if !done.isEmpty { return done }
    // A node's own refusal (not found, invalid, denied) says more than another one's being out
    // of reach, whichever comes first by id.
    let failures = results.compactMap { result -> RPCError? in if case .failure(let error) = result { error } else { nil } }
    let reachable = failures.first { ![.unavailable, .deadlineExceeded].contains($0.code) }
    if let error = reachable ?? failures.first { throw NodeForwarder.passedOn(error) }
    return done
  }

  /// What an answered request used, for metering: its rows, tensor payload bytes in and out, and
  /// the node's measured share of its batch's compute.
  static func usage(of request: InferRequestSummary, answer: InferResponseSummary) -> UsageTotals {
    let rows = answer.int64Parameters[ResponseParameter.requestRows] ?? request.rows
    let compute = answer.int64Parameters[ResponseParameter.computeShareMicroseconds] ?? 0
    return UsageTotals(
      requests: 1, rows: UInt64(max(0, rows)), inputBytes: UInt64(request.payloadBytes),
      outputBytes: UInt64(answer.payloadBytes), computeMicroseconds: UInt64(max(0, compute)))
  }

  /// Calls every node in `nodes` at once; the results in the order of `nodes`.
  private func gather<T: Sendable>(
    from nodes: [NodeDescriptor],
    _ call: @escaping @Sendable (Inference_GRPCInferenceService.Client<HTTP2ClientTransport.Posix>, CallOptions) async throws -> T
  ) async -> [Result<T, RPCError>] {
    await withTaskGroup(of: (Int, Result<T, RPCError>).self) { group in
      for (index, node) in nodes.enumerated() {
        group.addTask {
          do {
            var options = CallOptions.defaults
            options.timeout = .seconds(10)
            let client = try forwarder.pool.client(for: node.address)
            return (index, .success(try await call(Inference_GRPCInferenceService.Client(wrapping: client), options)))
          } catch let error as RPCError {
            return (index, .failure(error))
          } catch {
            return (index, .failure(RPCError(code: .unavailable, message: "\(node.id): \(error)")))
          }
        }
      }
      var results = [Result<T, RPCError>?](repeating: nil, count: nodes.count)
      for await (index, result) in group { results[index] = result }
      return results.map { $0! }
    }
  }
}
