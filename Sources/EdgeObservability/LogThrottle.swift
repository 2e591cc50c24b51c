/// Which refusals get a log line: the first of each cause, then at most one per `interval`, which
/// tells how many of that cause went unlogged since the last. So an overload, or a client
/// hammering with a revoked key, costs the log one line per cause per interval, whatever the
/// rate. Pure: the caller gives the instant.
public struct LogThrottle: Sendable {
  public let interval: Duration
  private var causes: [String: (logged: ContinuousClock.Instant, suppressed: Int)] = [:]
  /// Causes remembered at most; past it the stalest is forgotten (and logged again when it
  /// returns), so distinct causes cannot grow the table without bound.
  public let capacity: Int

  public init(interval: Duration = .seconds(10), capacity: Int = 256) {
    self.interval = interval
    self.capacity = capacity
  }

  /// nil: do not log this one. Otherwise log it, saying how many of the cause were not logged
  /// since the last line (0 for the first).
  public mutating func admit(_ cause: String, at now: ContinuousClock.Instant) -> Int? {
    if let entry = causes[cause] {
      guard now - entry.logged >= interval else {
        causes[cause]!.suppressed += 1
        return nil
      }
      causes[cause] = (now, 0)
      return entry.suppressed
    }
    if causes.count >= capacity, let stalest = causes.min(by: { $0.value.logged < $1.value.logged })?.key {
      causes[stalest] = nil
    }
    causes[cause] = (now, 0)
    return 0
  }
}
