public import GRPCCore

extension RPCError {
  /// Whether the call may be sent elsewhere: the server did not take the request. It could not
  /// be reached, it said it is unavailable, or it shed load and asked the caller to go
  /// elsewhere (RESOURCE_EXHAUSTED with `grpc-retry-pushback-ms`). A RESOURCE_EXHAUSTED without
  /// pushback is about the request itself (too large) and would fail anywhere.
  public var allowsFailover: Bool {
    switch code {
    case .unavailable: return true
    case .resourceExhausted: return metadata[stringValues: "grpc-retry-pushback-ms"].contains { _ in true }
    default: return false
    }
  }
}
