public import EdgeRuntime

/// Why the batcher answered a request without a result.
public enum SchedulingError: Error, Sendable, Equatable {
  /// The request's priority level is full: shed now, with a retry hint from the drain rate.
  case queueFull(model: String, retryAfter: Duration)
  /// The work queued ahead would run past the request's deadline: shed now, not at the deadline.
  case cannotMeetDeadline(model: String, expectedWait: Duration, retryAfter: Duration)
  /// The `priority` parameter names no level of the model.
  case invalidPriority(model: String, level: Int, levels: Int)
  /// The gRPC deadline or the queue policy's REJECT timeout passed before a result.
  case deadlineExceeded(model: String, waited: Duration)
  /// The client went away.
  case cancelled
  /// Validation, the model or the executor failed.
  case failed(InferenceError)
}
