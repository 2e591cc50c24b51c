public import GRPCCore

extension RPCError {
  /// Whether the call may be sent elsewhere: the server did not take the request. It could not
  /// be reached, it said it is unavailable, it shed load and asked the caller to go elsewhere
  /// (RESOURCE_EXHAUSTED with `grpc-retry-pushback-ms`), or it cancelled the call itself, as a
  /// server does with calls in flight when it shuts down. A RESOURCE_EXHAUSTED without pushback
  /// is about the request itself (too large) and would fail anywhere. A per-model answer (the
  /// model is not ready or not found on that node, `isModelCondition`) goes to the next node
  /// too. Callers check that the cancellation was not their own before failing over.
  public var allowsFailover: Bool {
    switch code {
    case .unavailable, .cancelled: return true
    case .notFound: return isModelCondition
    case .resourceExhausted: return metadata[stringValues: "grpc-retry-pushback-ms"].contains { _ in true }
    default: return false
    }
  }
}
