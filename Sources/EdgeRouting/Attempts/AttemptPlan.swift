/// The attempts one request makes to be served: failover, hedging and rescue as a pure state
/// machine. Events go in (an attempt started, a node answered or refused, time passed), decisions
/// come out (launch another attempt, wait, answer, fail). The first attempt goes at once; another
/// when every attempt in flight was refused (failover), when the hedging delay passes with one
/// attempt in flight and no answer (hedge, once), or when the one node waited on leaves the
/// rotation (rescue: a hung node holds its requests without failing them, and none of them has
/// been answered). At most two attempts are ever in flight. The first answer wins.
///
/// The driver owns what the plan does not decide: which node is best (the ranking, excluding
/// `tried`), the retry budget (a failover or rescue may wait for room, a hedge may not), the
/// calls themselves and the clock. It reports a tick at `nextWake` (the hedge) and whenever the
/// one node waited on leaves the rotation.
public struct AttemptPlan: Sendable, Equatable {
  public typealias Instant = ContinuousClock.Instant

  /// Nodes an attempt has gone to; the next attempt goes elsewhere.
  public private(set) var tried: Set<String> = []
  /// Nodes with an attempt in flight.
  public private(set) var inFlight: Set<String> = []
  /// Attempts started.
  public private(set) var attempts = 0
  /// When to hedge; nil for no hedging.
  public let hedgeAt: Instant?
  /// When the request's caller stops waiting; a tick at or after it ends the request.
  public let deadline: Instant?
  private var hedgeDue: Bool
  private var lastRefusal: AttemptRefusal?
  private var finished = false

  public init(arrived: Instant, hedgeDelay: Duration?, deadline: Instant? = nil) {
    self.hedgeAt = hedgeDelay.map { arrived + $0 }
    self.hedgeDue = hedgeDelay != nil
    self.deadline = deadline
  }

  /// The first decision: send the request to its best node.
  public func start() -> AttemptDecision { .launch(.first) }

  /// When the driver should report a `.tick` for the hedge; nil when no timer can matter.
  public var nextWake: Instant? {
    guard !finished, hedgeDue, inFlight.count == 1 else { return nil }
    return hedgeAt
  }

  /// The node whose leaving the rotation the driver should report: the one attempt in flight
  /// (with two in flight, nothing more can be launched).
  public var watched: String? {
    guard !finished, inFlight.count == 1 else { return nil }
    return inFlight.first
  }

  public mutating func handle(_ event: AttemptEvent) -> AttemptDecision {
    guard !finished else { return .wait }
    switch event {
    case .launched(let node, let kind):
      attempts += 1
      tried.insert(node)
      inFlight.insert(node)
      if kind == .hedge { hedgeDue = false }
      return .wait

    case .blocked(let kind, let block):
      switch kind {
      case .first:
        return finish(block == .deadlinePassed ? .deadlinePassed(attempts: 0) : .noCandidate)
      case .failover:
        switch block {
        case .budgetSpent: return finish(.budgetSpent(attempts: attempts, last: lastRefusal))
        case .noCandidate: return finish(.exhausted(attempts: attempts, last: lastRefusal))
        case .deadlinePassed: return finish(.deadlinePassed(attempts: attempts))
        }
      case .hedge, .rescue:
        // An extra attempt that could not start changes nothing: the one in flight goes on.
        if kind == .hedge { hedgeDue = false }
        return inFlight.isEmpty ? .launch(.failover) : .wait
      }

    case .answered(let node):
      guard inFlight.contains(node) else { return .wait }
      finished = true
      return .answer(node: node)

    case .failed(let node):
      guard inFlight.contains(node) else { return .wait }
      return finish(.answeredWithError)

    case .refused(let node, let refusal):
      guard inFlight.remove(node) != nil else { return .wait }
      // An attempt cancelled while the request is still open: its caller left. Nothing more is
      // sent for it.
      if refusal == .cancelled { return finish(.callerLeft(attempts: attempts)) }
      lastRefusal = refusal
      return inFlight.isEmpty ? .launch(.failover) : .wait

    case .tick(let now, let leftRotation):
      if let deadline, now >= deadline, !inFlight.isEmpty { return finish(.deadlinePassed(attempts: attempts)) }
      guard inFlight.count == 1, let waited = inFlight.first else { return .wait }
      if hedgeDue, let hedgeAt, now >= hedgeAt {
        hedgeDue = false
        return .launch(.hedge)
      }
      return leftRotation.contains(waited) ? .launch(.rescue) : .wait
    }
  }

  private mutating func finish(_ failure: AttemptFailure) -> AttemptDecision {
    finished = true
    return .fail(failure)
  }
}
