/// A model's answer and where it ran.
public struct InferResult: Sendable {
  public var modelName: String
  public var modelVersion: String
  public var outputs: [InferTensor]
  /// Response parameters as text (edge_node, edge_region, edge_distance_km, timings, …).
  public var parameters: [String: String]
  /// Wall-clock time of the call as the client saw it.
  public var latency: Duration

  public func output(_ name: String) -> InferTensor? { outputs.first { $0.name == name } }

  /// The node that executed the request.
  public var node: String? { parameters["edge_node"] }
  public var region: String? { parameters["edge_region"] }
  /// The router that forwarded the request (nil in direct mode).
  public var router: String? { parameters["edge_router"] }
  /// Great-circle kilometres from the client to that node, when a router chose it.
  public var distanceKilometres: Double? { parameters["edge_distance_km"].flatMap(Double.init) }
  /// Rows whose text the model cut to its maximum length.
  public var truncatedRows: [Int] {
    parameters["edge_truncated_rows"].map { $0.split(separator: ",").compactMap { Int($0) } } ?? []
  }
}
