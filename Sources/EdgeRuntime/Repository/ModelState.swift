/// Where a model stands in a node's store.
public enum ModelState: Sendable, Equatable {
  case loading
  /// Loaded versions, ascending.
  case ready([Int])
  case unavailable(reason: String)

  /// Triton's state names, for RepositoryIndex.
  public var tritonName: String {
    switch self {
    case .loading: return "LOADING"
    case .ready: return "READY"
    case .unavailable: return "UNAVAILABLE"
    }
  }
}
