/// A node as `Registry/Route` ranks it for a model and a location.
public struct DirectNode: Sendable, Equatable {
  public var id: String
  /// host:port the node listens on for inference.
  public var address: String
  public var region: String
  /// Great-circle kilometres from the client's location (or the router's) to the node.
  public var distanceKilometres: Double

  public init(id: String, address: String, region: String, distanceKilometres: Double) {
    self.id = id
    self.address = address
    self.region = region
    self.distanceKilometres = distanceKilometres
  }
}
