/// What one node answered within the dashboard's window: how many requests, and how long they
/// took at the router (from arrival to answer, every attempt included).
public struct NodeTraffic: Sendable, Equatable {
  public var requests: Int
  public var p50: Duration?
  public var p99: Duration?

  public init(requests: Int, p50: Duration?, p99: Duration?) {
    self.requests = requests
    self.p50 = p50
    self.p99 = p99
  }
}
