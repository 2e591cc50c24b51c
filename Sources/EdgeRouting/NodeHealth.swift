/// A node as the registry sees it at one instant.
public struct NodeHealth: Sendable, Hashable {
  public var descriptor: NodeDescriptor
  public var isHealthy: Bool
  public var heartbeatAge: Duration

  public init(descriptor: NodeDescriptor, isHealthy: Bool, heartbeatAge: Duration) {
    self.descriptor = descriptor
    self.isHealthy = isHealthy
    self.heartbeatAge = heartbeatAge
  }
}
