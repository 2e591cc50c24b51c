/// Why an attempt at serving a request was sent to a node.
public enum AttemptKind: Sendable, Equatable, CaseIterable {
  /// The request's first node.
  case first
  /// The next node after every attempt in flight was refused.
  case failover
  /// A second node, sent when the first has not answered within the hedging delay.
  case hedge
  /// A second node, sent because the node waited on left the rotation (hung, not dead).
  case rescue
}
