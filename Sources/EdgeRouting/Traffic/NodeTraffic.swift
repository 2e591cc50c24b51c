/// What the router sent one node within the dashboard's window: how many requests it answered
/// and how long they took from the router's side (the attempt that answered).
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
