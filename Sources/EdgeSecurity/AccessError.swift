/// Why the router turns a client away before routing: no key, a key it does not hold, or a key
/// over its rate. Mapped to gRPC statuses in EdgeServices (RPCError+Inference.swift).
public enum AccessError: Error, Sendable, Equatable, CustomStringConvertible {
  case missingKey
  case malformedKey
  case unknownKey
  /// The key's rate limit is spent; a token is back after `retryAfter`. Carries the key's name,
  /// never the key.
  case rateLimited(name: String, retryAfter: Duration)

  public var description: String {
    switch self {
    case .missingKey: "this router requires an API key: send metadata 'authorization: Bearer <key>'"
    case .malformedKey: "the API key is malformed: expected 'authorization: Bearer ei_<id>_<secret>'"
    case .unknownKey: "the API key is not valid (unknown or revoked)"
    case .rateLimited(let name, let retryAfter):
      "API key '\(name)' is over its rate limit; retry after \(Int((Double(retryAfter.components.seconds) * 1e3 + Double(retryAfter.components.attoseconds) / 1e15).rounded(.up))) ms"
    }
  }
}
