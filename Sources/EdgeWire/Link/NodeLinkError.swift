/// Why the router's link pool could not give a link.
public enum NodeLinkError: Error, Sendable, CustomStringConvertible {
  /// The pool was shut down (the router is stopping).
  case shutDown

  public var description: String {
    switch self {
    case .shutDown: return "the router is shutting down"
    }
  }
}
