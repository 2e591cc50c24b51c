/// Requests that went from one place to one node for one credential within the dashboard's
/// window: a line on its map.
public struct RouteFlow: Sendable, Hashable {
  /// The client's location as it gave it (tenths of a degree); nil when it gave none, or when
  /// the window's distinct places ran out (RouteLog.placesPerSecond).
  public var from: GeoPoint?
  public var node: String
  public var credential: String
  public var count: Int

  public init(from: GeoPoint?, node: String, credential: String, count: Int) {
    self.from = from
    self.node = node
    self.credential = credential
    self.count = count
  }
}
