import EdgeRouting
import GRPCCore
import Synchronization
import EdgeServer

/// What a router did with the requests it forwarded, counted since it started: the figures that
/// show whether failover and the retry budget behave (attempts per request stays near 1 even
/// in an outage), for ListNodes and the Prometheus endpoint.
public final class RouterMetrics: Sendable {
  public struct Snapshot: Sendable, Equatable {
    public var requests: UInt64 = 0
    public var attempts: UInt64 = 0
    public var failovers: UInt64 = 0
    public var hedges: UInt64 = 0
    public var rescues: UInt64 = 0
    public var budgetExhausted: UInt64 = 0
    public var unrouted: UInt64 = 0
    /// Requests refused at the router because no node could start them before their deadline.
    public var shed: UInt64 = 0
    /// Requests refused for their residency bound (outside the key's regions, through a router
    /// abroad, or no node inside the bound).
    public var residencyRefused: UInt64 = 0

    public init() {}

    init(
      requests: UInt64, attempts: UInt64, failovers: UInt64, hedges: UInt64, rescues: UInt64, budgetExhausted: UInt64,
      unrouted: UInt64, shed: UInt64, residencyRefused: UInt64
    ) {
      self.requests = requests
      self.attempts = attempts
      self.failovers = failovers
      self.hedges = hedges
      self.rescues = rescues
      self.budgetExhausted = budgetExhausted
      self.unrouted = unrouted
      self.shed = shed
      self.residencyRefused = residencyRefused
    }
  }

  private let requests = Atomic<UInt64>(0)
  private let attempts = Atomic<UInt64>(0)
  private let failovers = Atomic<UInt64>(0)
  private let hedges = Atomic<UInt64>(0)
  private let rescues = Atomic<UInt64>(0)
  private let budgetExhausted = Atomic<UInt64>(0)
  private let unrouted = Atomic<UInt64>(0)
  private let shed = Atomic<UInt64>(0)
  private let residency = Atomic<UInt64>(0)

  public init() {}

  func requestStarted() { requests.add(1, ordering: .relaxed) }

  func attemptLaunched(_ launch: AttemptKind) {
    attempts.add(1, ordering: .relaxed)
    switch launch {
    case .first: break
    case .failover: failovers.add(1, ordering: .relaxed)
    case .hedge: hedges.add(1, ordering: .relaxed)
    case .rescue: rescues.add(1, ordering: .relaxed)
    }
  }

  func failoverRefusedByBudget() { budgetExhausted.add(1, ordering: .relaxed) }
  func requestUnrouted() { unrouted.add(1, ordering: .relaxed) }
  func requestShed() { shed.add(1, ordering: .relaxed) }
  func residencyRefused() { residency.add(1, ordering: .relaxed) }

  /// `error`, counted as a residency refusal when it is one (no node inside a bound).
  func counted(_ error: RPCError) -> RPCError {
    if error.code == .failedPrecondition { residencyRefused() }
    return error
  }

  public func snapshot() -> Snapshot {
    Snapshot(
      requests: requests.load(ordering: .relaxed), attempts: attempts.load(ordering: .relaxed),
      failovers: failovers.load(ordering: .relaxed), hedges: hedges.load(ordering: .relaxed),
      rescues: rescues.load(ordering: .relaxed), budgetExhausted: budgetExhausted.load(ordering: .relaxed),
      unrouted: unrouted.load(ordering: .relaxed), shed: shed.load(ordering: .relaxed),
      residencyRefused: residency.load(ordering: .relaxed))
  }
}
