/// A node as a router lists it.
public struct NodeSummary: Sendable, Equatable {
  public var id: String
  public var address: String
  public var region: String
  public var latitude: Double
  public var longitude: Double
  public var healthy: Bool
  /// Ready models as `name:version`.
  public var models: [String]
}
