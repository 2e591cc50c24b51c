/// Why a call is turned away before it runs: no key, a key or certificate without the right, a
/// key over its rate. Mapped to gRPC statuses in
/// EdgeServer (Wire/RPCError+Inference.swift). Names keys and certificates, never secrets.
public enum AccessError: Error, Sendable, Equatable, CustomStringConvertible {
  case missingKey
  case malformedKey
  case unknownKey
  /// The key's rate limit is spent; a token is back after `retryAfter`. Carries the key's name,
  /// never the key.
  case rateLimited(name: String, retryAfter: Duration)
  /// The key is valid but its scope does not cover the call.
  case insufficientScope(key: String, scope: CredentialScope, needed: CredentialScope, method: String)
  /// A fleet-changing call on a client listener that takes no keys.
  case adminNeedsCredential(method: String)
  /// An admin call over plaintext, where no credential can be trusted.
  case adminOverPlaintext(method: String)
  /// A certificate that is not among those allowed to make the call.
  case notAnAdminCertificate(method: String, presented: [String], allowed: [String])
  /// Node registration on the client listener.
  case clusterCallOnClientListener(method: String)

  /// The cause as metrics label it (`reason="rate_limited"`): one of a fixed few, never a name.
  public var reason: String {
    switch self {
    case .missingKey: "missing_key"
    case .malformedKey: "malformed_key"
    case .unknownKey: "unknown_key"
    case .rateLimited: "rate_limited"
    case .insufficientScope: "insufficient_scope"
    case .adminNeedsCredential: "admin_needs_credential"
    case .adminOverPlaintext: "admin_over_plaintext"
    case .notAnAdminCertificate: "not_an_admin_certificate"
    case .clusterCallOnClientListener: "cluster_call_on_client_listener"
    }
  }

  public var description: String {
    switch self {
    case .missingKey: "this router requires an API key: send metadata 'authorization: Bearer <key>'"
    case .malformedKey: "the API key is malformed: expected 'authorization: Bearer ei_<id>_<secret>'"
    case .unknownKey: "the API key is not valid (unknown or revoked)"
    case .rateLimited(let name, let retryAfter):
      "API key '\(name)' is over its rate limit; retry after \(Int((Double(retryAfter.components.seconds) * 1e3 + Double(retryAfter.components.attoseconds) / 1e15).rounded(.up))) ms"
    case .insufficientScope(let key, let scope, let needed, let method):
      "API key '\(key)' has scope '\(scope)'; \(method) needs scope '\(needed)' (edgeinfer keys create --scope \(needed))"
    case .adminNeedsCredential(let method):
      "\(method) changes the fleet and is not taken on this listener without API keys: call the router's cluster listener with an admin certificate (edge-router --admin NAME; edgeinfer certs init makes admin.pem), or start the router with --api-keys and use a key made with --scope admin"
    case .adminOverPlaintext(let method):
      "\(method) changes the fleet and is refused over plaintext (--insecure), where no credential can be trusted; start the component with --insecure-admin to allow it anyway"
    case .notAnAdminCertificate(let method, let presented, let allowed):
      "\(method) is taken only from the certificates \(allowed.joined(separator: ", ")); the certificate presented names \(presented.isEmpty ? "nothing" : presented.joined(separator: ", "))"
    case .clusterCallOnClientListener(let method):
      "\(method) is accepted only on the router's cluster listener (mTLS)"
    }
  }
}
