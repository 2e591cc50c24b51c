/// What a node tells the routers about itself in every heartbeat.
public struct NodeDescriptor: Sendable, Hashable {
  public var id: String
  /// host:port where the node serves inference.
  public var address: String
  public var region: String
  public var location: GeoPoint
  public var models: [ModelAvailability]
  public var load: NodeLoadReport

  public init(
    id: String, address: String, region: String, location: GeoPoint,
    models: [ModelAvailability], load: NodeLoadReport = NodeLoadReport()
  ) {
    self.id = id
    self.address = address
    self.region = region
    self.location = location
    self.models = models
    self.load = load
  }

  /// Whether the node can run `model` now; an empty `version` accepts any ready version.
  public func serves(model: String, version: String) -> Bool {
    models.contains { $0.name == model && $0.isReady && (version.isEmpty || $0.version == version) }
  }
}
