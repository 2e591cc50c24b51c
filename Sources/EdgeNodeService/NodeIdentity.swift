public import EdgeRouting
import EdgeServer

/// Who a node is and where it stands, as it tells the routers.
public struct NodeIdentity: Sendable, Equatable {
  public var id: String
  public var region: String
  public var location: GeoPoint

  public init(id: String, region: String, location: GeoPoint) {
    self.id = id
    self.region = region
    self.location = location
  }
}
