import EdgeProto
public import EdgeRouting
import EdgeSecurity
import Foundation
public import GRPCCore
public import GRPCNIOTransportHTTP2
import SwiftProtobuf
import Synchronization

/// A client of the Open Inference Protocol for EdgeInfer routers and nodes, with a location hint
/// for geo-routing, TLS by default and a deadline on every call.
///
///     try await EdgeInferenceClient.withClient(configuration) { client in
///       let result = try await client.infer(model: "digits", inputs: [.fp32("pixels", shape: [1, 64], values: pixels)])
///       print(result.node ?? "?", result.output("class")?.int64s ?? [])
///     }
public final class EdgeInferenceClient: Sendable {
  public let configuration: EdgeClientConfiguration
  /// One client per router, in the configuration's order.
  let routers: [GRPCClient<HTTP2ClientTransport.Posix>]
  /// Connections to nodes, for direct mode.
  let nodes: NodeClientPool
  /// The router that answered last; calls start there, so a dead first router costs one
  /// failed attempt rather than one per call.
  let preferredRouter = Atomic<Int>(0)
  let routes: Mutex<RouteTable>
  /// Failovers in direct mode come out of the same kind of budget as the router's, so a
  /// client does not multiply its load on a failing cluster.
  let budget = Mutex(RetryBudget())

  public init(configuration: EdgeClientConfiguration) throws {
    self.configuration = configuration
    self.routers = try configuration.targets.map { target in
      let transport = try HTTP2ClientTransport.Posix(
        target: target.target, transportSecurity: configuration.security.client(),
        config: .defaults { config in
          if let name = configuration.serverName { config.http2.authority = name }
          config.backoff.max = .seconds(1)
          // Each request is sent at once rather than held up to 100 µs for others to share
          // its write: the client of a latency service.
          config.connection.flushCoalescing = nil
        })
      return GRPCClient(transport: transport)
    }
    self.nodes = NodeClientPool(security: configuration.security)
    self.routes = Mutex(RouteTable(refresh: configuration.routeRefresh, penalty: configuration.failurePenalty))
  }

  /// Runs `body` with a connected client and closes it afterwards.
  public static func withClient<Result: Sendable>(
    _ configuration: EdgeClientConfiguration, _ body: (EdgeInferenceClient) async throws -> Result
  ) async throws -> Result {
    let client = try EdgeInferenceClient(configuration: configuration)
    return try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await client.run() }
      let outcome: Swift.Result<Result, any Error>
      do {
        outcome = .success(try await body(client))
      } catch {
        outcome = .failure(error)
      }
      // A graceful close waits for the calls still open; one the transport never completes
      // (seen when a connection is torn down under heavy overload) must not hold the caller
      // forever, so after `closeGrace` the connections are closed outright.
      client.close()
      group.addTask { try? await Task.sleep(for: closeGrace) }
      _ = try? await group.next()
      group.cancelAll()
      return try outcome.get()
    }
  }

  /// How long `withClient` waits for open calls when it closes.
  static let closeGrace: Duration = .seconds(5)

  /// The first router's gRPC client, for calls the wrapper does not cover.
  public var grpcClient: GRPCClient<HTTP2ClientTransport.Posix> { routers[0] }

  /// Keeps the connections running until `close()`; for clients held for a long time.
  public func run() async throws {
    try await withThrowingDiscardingTaskGroup { group in
      for router in routers { group.addTask { try await router.runConnections() } }
      group.addTask { await self.nodes.run() }
    }
  }

  public func close() {
    for router in routers { router.beginGracefulShutdown() }
    nodes.shutdown()
  }

  /// What this client sends a router with every call (its API key and location), for calls
  /// made on `grpcClient` directly.
  public var routerMetadata: Metadata { metadata() }

  /// Metadata for a router: the API key, when there is one, and the client's location.
  func metadata(location: GeoPoint? = nil) -> Metadata {
    var metadata = Metadata()
    if let key = configuration.apiKey { metadata.addString("Bearer \(key)", forKey: "authorization") }
    if let location = location ?? configuration.location {
      metadata.addString("\(location.latitude),\(location.longitude)", forKey: "x-edge-location")
    }
    return metadata
  }

  /// Calls a router, and the next configured one when it cannot be reached (or answers
  /// UNAVAILABLE), within one deadline.
  func withRouter<Response: Sendable>(
    timeout: Duration?,
    _ call: (GRPCClient<HTTP2ClientTransport.Posix>, CallOptions) async throws -> Response
  ) async throws -> Response {
    let deadline = ContinuousClock.now + (timeout ?? configuration.timeout)
    let first = preferredRouter.load(ordering: .relaxed)
    for offset in routers.indices {
      let index = (first + offset) % routers.count
      var options = CallOptions.defaults
      options.timeout = ContinuousClock.now.duration(to: deadline)
      do {
        let response = try await call(routers[index], options)
        if offset > 0 { preferredRouter.store(index, ordering: .relaxed) }
        return response
      } catch let error as RPCError where error.allowsFailover && offset + 1 < routers.count
        && ContinuousClock.now < deadline && !Task.isCancelled
      {
        continue
      }
    }
    preconditionFailure("the last router's error is thrown above")
  }

  /// Runs a model. Inputs travel as raw contents; outputs come back decoded by name.
  public func infer(
    model: String, version: String = "", inputs: [InferTensor], outputs: [String] = [],
    location: GeoPoint? = nil, timeout: Duration? = nil
  ) async throws -> InferResult {
    var request = Inference_ModelInferRequest()
    request.modelName = model
    request.modelVersion = version
    request.inputs = inputs.map { input in
      .with {
        $0.name = input.name
        $0.datatype = input.datatype
        $0.shape = input.shape
      }
    }
    request.rawInputContents = inputs.map(\.data)
    request.outputs = outputs.map { name in .with { $0.name = name } }
    let started = ContinuousClock.now
    let response: Inference_ModelInferResponse
    switch configuration.mode {
    case .routed:
      let metadata = metadata(location: location)
      response = try await withRouter(timeout: timeout) { router, options in
        try await Inference_GRPCInferenceService.Client(wrapping: router).modelInfer(request, metadata: metadata, options: options)
      }
    case .direct:
      response = try await inferDirect(request, location: location, timeout: timeout)
    }
    let latency = ContinuousClock.now - started
    var decoded: [InferTensor] = []
    for (index, output) in response.outputs.enumerated() {
      let data = index < response.rawOutputContents.count ? response.rawOutputContents[index] : Data()
      decoded.append(InferTensor(name: output.name, datatype: output.datatype, shape: output.shape, data: data))
    }
    var parameters: [String: ParameterValue] = [:]
    for (key, value) in response.parameters {
      switch value.parameterChoice {
      case .boolParam(let v): parameters[key] = .bool(v)
      case .int64Param(let v): parameters[key] = .int64(v)
      case .stringParam(let v): parameters[key] = .string(v)
      case .doubleParam(let v): parameters[key] = .double(v)
      case .uint64Param(let v): parameters[key] = .uint64(v)
      case nil: continue
      }
    }
    return InferResult(
      modelName: response.modelName, modelVersion: response.modelVersion, outputs: decoded, parameters: parameters,
      latency: latency)
  }

  public func serverReady() async throws -> Bool {
    try await withRouter(timeout: nil) { router, options in
      try await Inference_GRPCInferenceService.Client(wrapping: router).serverReady(Inference_ServerReadyRequest(), metadata: metadata(), options: options)
    }.ready
  }

  public func modelReady(model: String, version: String = "", location: GeoPoint? = nil) async throws -> Bool {
    let metadata = metadata(location: location)
    return try await withRouter(timeout: nil) { router, options in
      try await Inference_GRPCInferenceService.Client(wrapping: router).modelReady(
        .with { $0.name = model; $0.version = version }, metadata: metadata, options: options)
    }.ready
  }

  /// The first router that answers: its counters and whether it is in panic.
  public func routerStats() async throws -> RouterStats {
    let stats = try await withRouter(timeout: nil) { router, options in
      try await Edgeinfer_V1_Registry.Client(wrapping: router).listNodes(Edgeinfer_V1_ListNodesRequest(), metadata: metadata(), options: options)
    }.router
    return RouterStats(
      routerID: stats.routerID, panic: stats.panic, nodesInRotation: Int(stats.nodesInRotation), nodesLive: Int(stats.nodesLive),
      requests: stats.requests, attempts: stats.attempts, failovers: stats.failovers, hedges: stats.hedges,
      rescues: stats.rescues, budgetExhausted: stats.budgetExhausted, unrouted: stats.unrouted, shed: stats.shed,
      residencyRefused: stats.residencyRefused)
  }

  /// The nodes a router knows, with their health.
  public func nodes() async throws -> [NodeSummary] {
    let response = try await withRouter(timeout: nil) { router, options in
      try await Edgeinfer_V1_Registry.Client(wrapping: router).listNodes(Edgeinfer_V1_ListNodesRequest(), metadata: metadata(), options: options)
    }
    return response.nodes.map { info in
      NodeSummary(
        id: info.status.nodeID, address: info.status.address, region: info.status.region,
        latitude: info.status.location.latitude, longitude: info.status.location.longitude, healthy: info.healthy,
        models: info.status.models.filter { $0.state == .ready }.map { "\($0.name):\($0.version)" })
    }
  }
}

extension EdgeInferenceClient {
  /// A model's inputs and outputs as ModelMetadata reports them (-1 marks a variable dimension).
  public func modelSignature(model: String, version: String = "", location: GeoPoint? = nil) async throws -> ModelSignature {
    let metadata = metadata(location: location)
    let response = try await withRouter(timeout: nil) { router, options in
      try await Inference_GRPCInferenceService.Client(wrapping: router).modelMetadata(
        .with { $0.name = model; $0.version = version }, metadata: metadata, options: options)
    }
    func tensors(_ list: [Inference_ModelMetadataResponse.TensorMetadata]) -> [ModelSignature.TensorSpec] {
      list.map { ModelSignature.TensorSpec(name: $0.name, datatype: $0.datatype, shape: $0.shape) }
    }
    return ModelSignature(
      name: response.name, versions: response.versions, inputs: tensors(response.inputs), outputs: tensors(response.outputs))
  }
}
