import EdgeProto
public import EdgeRouting
import EdgeSecurity
import Foundation
public import GRPCCore
public import GRPCNIOTransportHTTP2
import SwiftProtobuf

/// A client of the Open Inference Protocol for EdgeInfer routers and nodes, with a location hint
/// for geo-routing, TLS by default and a deadline on every call.
///
///     try await EdgeInferenceClient.withClient(configuration) { client in
///       let result = try await client.infer(model: "digits", inputs: [.fp32("pixels", shape: [1, 64], values: pixels)])
///       print(result.node ?? "?", result.output("class")?.int64s ?? [])
///     }
public final class EdgeInferenceClient: Sendable {
  public let configuration: EdgeClientConfiguration
  let client: GRPCClient<HTTP2ClientTransport.Posix>

  public init(configuration: EdgeClientConfiguration) throws {
    self.configuration = configuration
    let transport = try HTTP2ClientTransport.Posix(
      target: configuration.target.target, transportSecurity: configuration.security.client(),
      config: .defaults { config in
        if let name = configuration.serverName { config.http2.authority = name }
      })
    self.client = GRPCClient(transport: transport)
  }

  /// Runs `body` with a connected client and closes it afterwards.
  public static func withClient<Result: Sendable>(
    _ configuration: EdgeClientConfiguration, _ body: (EdgeInferenceClient) async throws -> Result
  ) async throws -> Result {
    let client = try EdgeInferenceClient(configuration: configuration)
    return try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await client.client.runConnections() }
      defer { client.client.beginGracefulShutdown() }
      return try await body(client)
    }
  }

  /// The underlying gRPC client, for calls the wrapper does not cover.
  public var grpcClient: GRPCClient<HTTP2ClientTransport.Posix> { client }

  /// Keeps the connections running until `close()`; for clients held for a long time.
  public func run() async throws { try await client.runConnections() }
  public func close() { client.beginGracefulShutdown() }

  private var inference: Inference_GRPCInferenceService.Client<HTTP2ClientTransport.Posix> {
    Inference_GRPCInferenceService.Client(wrapping: client)
  }

  func metadata(location: GeoPoint?) -> Metadata {
    var metadata = Metadata()
    if let location = location ?? configuration.location {
      metadata.addString("\(location.latitude),\(location.longitude)", forKey: "x-edge-location")
    }
    return metadata
  }

  func options(timeout: Duration?) -> CallOptions {
    var options = CallOptions.defaults
    options.timeout = timeout ?? configuration.timeout
    return options
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
    let response = try await inference.modelInfer(
      request, metadata: metadata(location: location), options: options(timeout: timeout))
    let latency = ContinuousClock.now - started
    var decoded: [InferTensor] = []
    for (index, output) in response.outputs.enumerated() {
      let data = index < response.rawOutputContents.count ? response.rawOutputContents[index] : Data()
      decoded.append(InferTensor(name: output.name, datatype: output.datatype, shape: output.shape, data: data))
    }
    var parameters: [String: String] = [:]
    for (key, value) in response.parameters {
      switch value.parameterChoice {
      case .boolParam(let v): parameters[key] = String(v)
      case .int64Param(let v): parameters[key] = String(v)
      case .stringParam(let v): parameters[key] = v
      case .doubleParam(let v): parameters[key] = String(v)
      case .uint64Param(let v): parameters[key] = String(v)
      case nil: continue
      }
    }
    return InferResult(
      modelName: response.modelName, modelVersion: response.modelVersion, outputs: decoded, parameters: parameters,
      latency: latency)
  }

  public func serverReady() async throws -> Bool {
    try await inference.serverReady(Inference_ServerReadyRequest(), options: options(timeout: nil)).ready
  }

  public func modelReady(model: String, version: String = "", location: GeoPoint? = nil) async throws -> Bool {
    try await inference.modelReady(
      .with { $0.name = model; $0.version = version }, metadata: metadata(location: location), options: options(timeout: nil)
    ).ready
  }

  /// The nodes a router knows, with their health.
  public func nodes() async throws -> [NodeSummary] {
    let response = try await Edgeinfer_V1_Registry.Client(wrapping: client).listNodes(
      Edgeinfer_V1_ListNodesRequest(), options: options(timeout: nil))
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
    let response = try await Inference_GRPCInferenceService.Client(wrapping: client).modelMetadata(
      .with { $0.name = model; $0.version = version }, metadata: metadata(location: location), options: options(timeout: nil))
    func tensors(_ list: [Inference_ModelMetadataResponse.TensorMetadata]) -> [ModelSignature.TensorSpec] {
      list.map { ModelSignature.TensorSpec(name: $0.name, datatype: $0.datatype, shape: $0.shape) }
    }
    return ModelSignature(
      name: response.name, versions: response.versions, inputs: tensors(response.inputs), outputs: tensors(response.outputs))
  }
}
