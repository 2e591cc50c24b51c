/// How a request wants to be placed (`x-edge-route`).
public enum RouteMode: Sendable, Hashable {
  /// The node with the best estimate from the client (the default).
  case nearest
  /// The least-loaded node anywhere, for deferrable work: distance does not count, as
  /// Cloudflare sends its asynchronous batch work to idle regions.
  case background
  /// Only this node.
  case pinned(String)

  /// Parses `nearest`, `background` or `pin:<node-id>`.
  public init?(parsing text: String) {
    switch text {
    case "nearest": self = .nearest
    case "background": self = .background
    case let pin where pin.hasPrefix("pin:") && pin.count > 4: self = .pinned(String(pin.dropFirst(4)))
    default: return nil
    }
  }
}
