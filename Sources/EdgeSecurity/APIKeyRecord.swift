/// What the router stores of an API key: its public id, a name for logs and limits, the
/// SHA-256 of its secret (never the secret), and its rate limit.
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

  public init(name: String, id: String, secretSHA256: String, ratePerSecond: Double?, burst: Int?, created: String) {
    self.name = name
    self.id = id
    self.secretSHA256 = secretSHA256
    self.ratePerSecond = ratePerSecond
    self.burst = burst
    self.created = created
  }
}
