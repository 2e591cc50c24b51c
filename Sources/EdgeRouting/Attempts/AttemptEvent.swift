/// What happened to a request's attempts, as the plan is told it.
public enum AttemptEvent: Sendable, Equatable {
  /// The attempt the plan asked for started on a node.
  case launched(node: String, kind: AttemptKind)
  /// The attempt the plan asked for could not start.
  case blocked(kind: AttemptKind, LaunchBlock)
  /// A node answered the request.
  case answered(node: String)
  /// A node answered with an error about the request itself (bad input, a missing tensor).
  case failed(node: String)
  /// A node turned the attempt down before answering.
  case refused(node: String, AttemptRefusal)
  /// Time passed: the instant, and which of the nodes waited on have left the rotation.
  case tick(now: ContinuousClock.Instant, leftRotation: Set<String>)
}
