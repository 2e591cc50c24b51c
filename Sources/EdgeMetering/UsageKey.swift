/// Whose usage, of what: a credential's name (an API key's name, `anonymous` without keys) and
/// a model.
public struct UsageKey: Sendable, Hashable, Comparable, Codable {
  public var credential: String
  public var model: String

  public init(credential: String, model: String) {
    self.credential = credential
    self.model = model
  }

  public static func < (a: UsageKey, b: UsageKey) -> Bool {
    (a.credential, a.model) < (b.credential, b.model)
  }
}
