public import EdgeProto
import GRPCCore
import SwiftProtobuf

/// The admin plane through a router: repository changes (every node, or one with `node`),
/// model configuration, the repository index and usage. Needs an admin credential: an
/// admin-scoped API key on a router's client listener, or the admin certificate on its cluster
/// listener.
extension EdgeInferenceClient {
  /// Loads a model's served versions, or only `version` (beside those already served).
  public func loadModel(_ model: String, version: String? = nil, node: String? = nil) async throws {
    let metadata = adminMetadata(node: node)
    _ = try await withRouter(timeout: nil) { router, options in
      try await Inference_GRPCInferenceService.Client(wrapping: router).repositoryModelLoad(
        .with { $0.modelName = model; $0.parameters = Self.versionParameter(version) }, metadata: metadata, options: options)
    }
  }

  /// Unloads every version of a model, or only `version`.
  public func unloadModel(_ model: String, version: String? = nil, node: String? = nil) async throws {
    let metadata = adminMetadata(node: node)
    _ = try await withRouter(timeout: nil) { router, options in
      try await Inference_GRPCInferenceService.Client(wrapping: router).repositoryModelUnload(
        .with { $0.modelName = model; $0.parameters = Self.versionParameter(version) }, metadata: metadata, options: options)
    }
  }

  /// The `version` repository parameter (a string, as Triton's parameters allow).
  static func versionParameter(_ version: String?) -> [String: Inference_ModelRepositoryParameter] {
    guard let version else { return [:] }
    return ["version": .with { $0.stringParam = version }]
  }

  /// A model's configuration, from the node the router picks or from `node`.
  public func modelConfig(_ model: String, version: String = "", node: String? = nil) async throws -> Inference_ModelConfig {
    let metadata = adminMetadata(node: node)
    return try await withRouter(timeout: nil) { router, options in
      try await Inference_GRPCInferenceService.Client(wrapping: router).modelConfig(
        .with { $0.name = model; $0.version = version }, metadata: metadata, options: options)
    }.config
  }

  /// Every node the router knows, with the model versions each reports and their state.
  public func nodeStatuses() async throws -> [Edgeinfer_V1_NodeInfo] {
    try await withRouter(timeout: nil) { router, options in
      try await Edgeinfer_V1_Registry.Client(wrapping: router).listNodes(Edgeinfer_V1_ListNodesRequest(), metadata: metadata(), options: options)
    }.nodes
  }

  /// What each credential used of each model through this router, from `since` (Unix seconds)
  /// or all time. Asks the first router that answers; `usage(since:router:)` asks one.
  public func usage(since: Int64? = nil) async throws -> Edgeinfer_V1_UsageResponse {
    try await withRouter(timeout: nil) { router, options in
      try await Edgeinfer_V1_Registry.Client(wrapping: router).usage(
        .with { $0.sinceUnixSeconds = since ?? 0 }, metadata: metadata(), options: options)
    }
  }

  private func adminMetadata(node: String?) -> Metadata {
    var metadata = metadata()
    if let node { metadata.addString("pin:\(node)", forKey: "x-edge-route") }
    return metadata
  }
}
