/// Who a call presents itself as, once its transport and key are checked: an API key (by name,
/// never the secret), a cluster certificate (by the DNS names in it), or nothing.
public enum Credential: Sendable, Equatable {
  case key(name: String, scope: CredentialScope)
  case certificate(names: [String])
  /// Plaintext, or a listener where no key is required and none was sent.
  case anonymous

  /// The name written in audit and usage records.
  public var name: String {
    switch self {
    case .key(let name, _): name
    case .certificate(let names): names.first ?? "certificate"
    case .anonymous: "anonymous"
    }
  }
}
