/// What a router did with the requests it forwarded since it started, as ListNodes reports it.
public struct RouterStats: Sendable, Equatable {
  public var routerID: String
  /// Fewer than the panic threshold of live nodes are in rotation.
  public var panic: Bool
  public var nodesInRotation: Int
  public var nodesLive: Int
  /// Calls forwarded, each once however many attempts it took.
  public var requests: UInt64
  /// Calls made to nodes: first attempts, failovers, hedges and rescues.
  public var attempts: UInt64
  public var failovers: UInt64
  public var hedges: UInt64
  public var rescues: UInt64
  /// Failovers refused because the retry budget was spent.
  public var budgetExhausted: UInt64
  /// Requests answered with no node to try.
  public var unrouted: UInt64
  /// Requests refused because no node could start them before their deadline.
  public var shed: UInt64 = 0
  /// Requests refused for their residency bound.
  public var residencyRefused: UInt64 = 0
}
