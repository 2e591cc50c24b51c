/// The batcher's answer to a request at the door.
public enum Admission: Sendable, Equatable {
  case queued
  /// The level's queue is full: answer RESOURCE_EXHAUSTED now, suggesting a retry after this
  /// long (`grpc-retry-pushback-ms`), so a router can go elsewhere.
  case queueFull(retryAfter: Duration)
  /// The queued work ahead of the request, at the measured drain rate, ends after its deadline:
  /// refuse now (a fast RESOURCE_EXHAUSTED another node may still meet) rather than hold it
  /// until DEADLINE_EXCEEDED. `expectedWait` is that estimate.
  case cannotMeetDeadline(expectedWait: Duration, retryAfter: Duration)
  /// The priority names no level of the model.
  case invalidPriority(Int)
}
