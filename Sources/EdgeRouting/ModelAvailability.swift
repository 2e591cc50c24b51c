/// One model version on a node, as its heartbeat reports it.
public struct ModelAvailability: Sendable, Hashable {
  public var name: String
  public var version: String
  public var isReady: Bool

  public init(name: String, version: String, isReady: Bool) {
    self.name = name
    self.version = version
    self.isReady = isReady
  }
}
