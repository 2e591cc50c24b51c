/// What happens to a queued request when its queue-policy timeout passes (Triton's
/// `timeout_action`). The gRPC deadline is separate and always ends the request.
public enum TimeoutAction: Sendable, Equatable {
  /// Answer DEADLINE_EXCEEDED at that moment; the request is never executed.
  case reject
  /// Keep it, behind every request whose timeout has not passed.
  case delay
}
