/// The dashboard's window of traffic: its flows, most requests first, each node's totals, and
/// each credential's (counted over every flow, however many places there were).
public struct RouteSummary: Sendable, Equatable {
  public var flows: [RouteFlow]
  public var nodes: [String: NodeTraffic]
  public var credentials: [String: Int]

  public init(flows: [RouteFlow], nodes: [String: NodeTraffic]) {
    self.flows = flows
    self.nodes = nodes
    credentials = flows.reduce(into: [:]) { $0[$1.credential, default: 0] += $1.count }
  }
}
