/// What the router stores of an API key: its public id, a name for logs, limits and usage, the
/// SHA-256 of its secret (never the secret), its rate limit, its scope and the regions its
/// requests are bound to.
public struct APIKeyRecord: Sendable, Codable, Equatable {
  public var name: String
  /// The public part of the key (`ei_<id>_…`), to find the record without the secret.
  public var id: String
  /// SHA-256 of the secret, lowercase hex.
  public var secretSHA256: String
  /// Requests per second allowed, and the burst above it; nil for no limit.
  public var ratePerSecond: Double?
  public var burst: Int?
  /// ISO 8601 creation time, for the operator.
  public var created: String
  /// What the key may do; nil (files written before scopes) is `infer`.
  public var scope: CredentialScope?
  /// Regions the key's requests are bound to (data residency); nil for no bound.
  public var regions: [String]?

  /// The key's scope, `infer` when the record predates scopes.
  public var effectiveScope: CredentialScope { scope ?? .infer }

  public init(
    name: String, id: String, secretSHA256: String, ratePerSecond: Double?, burst: Int?, created: String,
    scope: CredentialScope? = nil, regions: [String]? = nil
  ) {
    self.name = name
    self.id = id
    self.secretSHA256 = secretSHA256
    self.ratePerSecond = ratePerSecond
    self.burst = burst
    self.created = created
    self.scope = scope
    self.regions = regions
  }
}
