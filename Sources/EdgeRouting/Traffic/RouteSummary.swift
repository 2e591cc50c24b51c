/// The dashboard's window of traffic: its flows, most requests first, and each node's totals.
public struct RouteSummary: Sendable, Equatable {
  public var flows: [RouteFlow]
  public var nodes: [String: NodeTraffic]

  public init(flows: [RouteFlow], nodes: [String: NodeTraffic]) {
    self.flows = flows
    self.nodes = nodes
  }
}
