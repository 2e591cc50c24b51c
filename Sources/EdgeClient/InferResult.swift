/// A model's answer and where it ran.
public struct InferResult: Sendable {
  public var modelName: String
  public var modelVersion: String
  public var outputs: [InferTensor]
  /// Response parameters as the server typed them (edge_node, edge_region, edge_distance_km,
  /// timings, …).
  public var parameters: [String: ParameterValue]
  /// Wall-clock time of the call as the client saw it.
  public var latency: Duration

  public func output(_ name: String) -> InferTensor? { outputs.first { $0.name == name } }

  /// The node that executed the request.
  public var node: String? { parameters["edge_node"]?.string }
  public var region: String? { parameters["edge_region"]?.string }
  /// The router that forwarded the request (nil in direct mode).
  public var router: String? { parameters["edge_router"]?.string }
  /// Great-circle kilometres from the client to that node, when a router chose it.
  public var distanceKilometres: Double? { parameters["edge_distance_km"]?.double }
  /// Nodes the router tried before one answered (nil in direct mode).
  public var attempts: Int? { parameters["edge_attempts"]?.int64.map { Int($0) } }
  /// Microseconds the router spent choosing and reaching the node, retries included.
  public var routeMicroseconds: Int64? { parameters["edge_route_us"]?.int64 }
  /// Microseconds the request waited on the node, and its batch's execution.
  public var queueMicroseconds: Int64? { parameters["edge_queue_us"]?.int64 }
  public var computeMicroseconds: Int64? { parameters["edge_compute_us"]?.int64 }
  /// Rows whose text the model cut to its maximum length.
  public var truncatedRows: [Int] {
    parameters["edge_truncated_rows"]?.string.map { $0.split(separator: ",").compactMap { Int($0) } } ?? []
  }
}
