/// Names of the response parameters that report where and how a request ran.
public enum ResponseParameter {
  /// Id of the node that executed the request.
  public static let node = "edge_node"
  /// The request's W3C trace id (32 hex digits): the client's `traceparent`'s, or one started for it.
  public static let traceID = "edge_trace_id"
  /// Region of that node.
  public static let region = "edge_region"
  /// Microseconds the request waited on the node before execution.
  public static let queueMicroseconds = "edge_queue_us"
  /// Microseconds of model execution for the request's batch.
  public static let computeMicroseconds = "edge_compute_us"
  /// Rows of the batch the request ran in (its own and those it was batched with).
  public static let batchRows = "edge_batch_rows"
  /// Rows of the request itself.
  public static let requestRows = "edge_request_rows"
  /// Microseconds of the batch's execution that were this request's: the batch's time times its
  /// share of the rows. What usage metering charges.
  public static let computeShareMicroseconds = "edge_compute_share_us"
  /// Microseconds the router spent choosing and reaching the node, including retries.
  public static let routeMicroseconds = "edge_route_us"
  /// Nodes the router tried before one answered (1 when the first did).
  public static let attempts = "edge_attempts"
  /// Id of the router that forwarded the request.
  public static let router = "edge_router"
  /// Great-circle kilometres from the client's location to the node.
  public static let distanceKilometres = "edge_distance_km"
  /// Rows of the batch whose text was cut to the model's maximum tokens, comma-separated
  /// (absent when none was).
  public static let truncatedRows = "edge_truncated_rows"
}
