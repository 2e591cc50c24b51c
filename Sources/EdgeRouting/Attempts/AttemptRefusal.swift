/// How a node turned an attempt down before answering: the request may still go to another node.
public enum AttemptRefusal: Sendable, Equatable {
  /// The node could not be reached or said it is unavailable.
  case unavailable
  /// The node refused for load (RESOURCE_EXHAUSTED, with a pushback): if no other node takes
  /// the request, the caller gets this refusal so that it backs off.
  case overloaded
  /// The model is not ready on that node (a per-model condition, no fault of the node's).
  case modelNotReady
  /// The attempt was cancelled: another attempt won, or the caller left.
  case cancelled
}
