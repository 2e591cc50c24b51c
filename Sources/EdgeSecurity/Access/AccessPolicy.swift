/// Which calls a listener takes from which credentials: pure, so every combination is tested
/// without a server.
///
/// - Client listener: with keys, every scoped call needs a key whose scope permits it; without
///   keys (development), inference is open and fleet-changing calls are refused, with where to
///   make them instead.
/// - Router cluster listener: nodes register; scoped calls only from a certificate named by
///   `--admin`.
/// - Node listener: repository calls only from the routers' certificates and those named by
///   the node's `--admin`.
/// - Executor listener: model loads and unloads only from its node (`routerNames` holds the
///   executor's `--allow` names) and `--admin` certificates.
/// - Plaintext (`--insecure`) has no identities: admin calls are refused unless the component
///   was started with `--insecure-admin` (and then, on the client listener, still need an admin
///   key when keys are on).
public struct AccessPolicy: Sendable, Equatable {
  public var listener: Listener
  /// Whether the listener requires API keys (a router started with `--api-keys`).
  public var keysRequired: Bool
  /// Certificate names allowed to make admin calls (`--admin`, default `admin`).
  public var adminNames: Set<String>
  /// On a node: the ids of the routers it registers with, whose certificates may change it. On
  /// an executor: the node it serves (`--allow`).
  public var routerNames: Set<String>
  /// The listener is plaintext: no certificates, secrets in the clear.
  public var plaintext: Bool
  /// `--insecure-admin`: take admin calls over plaintext anyway.
  public var insecureAdmin: Bool

  public init(
    listener: Listener, keysRequired: Bool = false, adminNames: Set<String> = ["admin"], routerNames: Set<String> = [],
    plaintext: Bool = false, insecureAdmin: Bool = false
  ) {
    self.listener = listener
    self.keysRequired = keysRequired
    self.adminNames = adminNames
    self.routerNames = routerNames
    self.plaintext = plaintext
    self.insecureAdmin = insecureAdmin
  }

  /// Whether `credential` may make `call` (`method` names it in refusals). A refusal is
  /// PERMISSION_DENIED for a credential that lacks the right, UNAUTHENTICATED for a missing key.
  public func decide(_ call: CallClass, method: String, credential: Credential) -> Result<Void, AccessError> {
    switch call {
    case .health:
      return .success(())
    case .cluster:
      return listener == .client ? .failure(.clusterCallOnClientListener(method: method)) : .success(())
    case .scoped(let needed):
      switch listener {
      case .client: return client(needed, method: method, credential: credential)
      case .cluster: return certificateHolder(method: method, credential: credential, allowed: adminNames)
      case .node, .executor:
        guard needed == .admin else { return .success(()) }
        return certificateHolder(method: method, credential: credential, allowed: adminNames.union(routerNames))
      }
    }
  }

  private func client(_ needed: CredentialScope, method: String, credential: Credential) -> Result<Void, AccessError> {
    if keysRequired {
      guard case .key(let name, let scope) = credential else { return .failure(.missingKey) }
      guard scope.permits(needed) else { return .failure(.insufficientScope(key: name, scope: scope, needed: needed, method: method)) }
      if needed == .admin && plaintext && !insecureAdmin { return .failure(.adminOverPlaintext(method: method)) }
      return .success(())
    }
    guard needed == .infer else { return .failure(.adminNeedsCredential(method: method)) }
    return .success(())
  }

  private func certificateHolder(method: String, credential: Credential, allowed: Set<String>) -> Result<Void, AccessError> {
    if plaintext {
      return insecureAdmin ? .success(()) : .failure(.adminOverPlaintext(method: method))
    }
    guard case .certificate(let names) = credential, names.contains(where: allowed.contains) else {
      let presented: [String] = if case .certificate(let names) = credential { names } else { [] }
      return .failure(.notAnAdminCertificate(method: method, presented: presented, allowed: allowed.sorted()))
    }
    return .success(())
  }
}
