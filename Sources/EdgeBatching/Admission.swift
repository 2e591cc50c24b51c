/// The batcher's answer to a request at the door.
public enum Admission: Sendable, Equatable {
  case queued
  /// The level's queue is full: answer RESOURCE_EXHAUSTED now, suggesting a retry after this
  /// long (`grpc-retry-pushback-ms`), so a router can go elsewhere.
  case queueFull(retryAfter: Duration)
  /// The priority names no level of the model.
  case invalidPriority(Int)
}
