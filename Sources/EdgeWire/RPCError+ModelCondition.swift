public import GRPCCore

extension RPCError {
  /// Trailing metadata a node adds to an answer about one model rather than itself (the model
  /// is not loaded, still loading, or not in its repository). Routers and direct clients take
  /// that node out of the model's ranking and try the next; the node stays in rotation for
  /// every other model.
  public static let modelConditionKey = "x-edge-model-state"

  /// Whether the answer is about one model on the node, not the node: the mark, on a status
  /// that can mean that (a node cannot escape the blame for an internal error by marking it).
  public var isModelCondition: Bool {
    switch code {
    case .notFound, .unavailable, .failedPrecondition:
      return metadata[stringValues: Self.modelConditionKey].contains { _ in true }
    default:
      return false
    }
  }

  /// `self` marked as a per-model condition, with `state` (`not-ready`, `not-found`).
  public func markedAsModelCondition(_ state: String) -> RPCError {
    var copy = self
    copy.metadata.replaceOrAddString(state, forKey: Self.modelConditionKey)
    return copy
  }
}
