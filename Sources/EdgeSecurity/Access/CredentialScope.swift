/// What a credential may do. `infer` covers inference and everything that only reads (metadata,
/// configuration, statistics, the repository index, routes, health); `admin` adds the calls that
/// change the fleet (repository load and unload) and the ones that read other callers' data
/// (usage). An admin credential can do everything an infer credential can.
public enum CredentialScope: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
  case infer
  case admin

  /// Whether a credential of this scope may make a call that needs `required`.
  public func permits(_ required: CredentialScope) -> Bool {
    switch (self, required) {
    case (.admin, _), (.infer, .infer): true
    case (.infer, .admin): false
    }
  }

  public var description: String { rawValue }
}
