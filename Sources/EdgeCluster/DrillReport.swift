import EdgeServer
/// What a failover drill saw. Times are seconds; nil where the drill did not measure them.
public struct DrillReport: Sendable, Codable, Equatable {
  public var fault: DrillFault
  public var requests = 0
  public var ok = 0
  public var failed = 0
  /// Failed requests by status code, with one message of each.
  public var failures: [String: Int] = [:]
  public var failureExamples: [String: String] = [:]
  /// Answers per node.
  public var answeredBy: [String: Int] = [:]
  /// Seconds from the start of the load to the fault.
  public var faultAtSeconds: Double?
  /// Requests sent after the fault, and the slowest of them (milliseconds).
  public var requestsAfterFault = 0
  public var maxLatencyAfterFaultMs: Double?
  /// freeze: seconds from SIGSTOP until the router took the node out of rotation, and from
  /// SIGCONT until it put it back.
  public var outOfRotationSeconds: Double?
  public var backInRotationSeconds: Double?
  /// region: seconds from the kill until the first answer from another region to a request sent
  /// after the kill.
  public var nextRegionFirstAnswerSeconds: Double?
  /// The router's attempts per forwarded request: over the whole run, and over the outage.
  public var attemptsPerRequest: Double?
  public var attemptsPerRequestDuringOutage: Double?
  /// restart: seconds from each node's SIGTERM until it was back in rotation, in order.
  public var restartSeconds: [String: Double] = [:]
  public var routerRequestsDuringOutage: UInt64?
  public var routerBudgetExhausted: UInt64?
  public var routerRescues: UInt64?

  public init(fault: DrillFault) {
    self.fault = fault
  }
}
