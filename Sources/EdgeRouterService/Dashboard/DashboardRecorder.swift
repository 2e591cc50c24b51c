public import EdgeRouting
import Synchronization

/// The router's last minute of answered requests for the operator dashboard (RouteLog behind a
/// lock). Made only when the dashboard is on: without one, requests pay nothing for it.
public final class DashboardRecorder: Sendable {
  private let log: Mutex<RouteLog>

  public init(origin: ContinuousClock.Instant = .now) {
    log = Mutex(RouteLog(origin: origin))
  }

  public func record(from: GeoPoint?, node: String, credential: String, elapsed: Duration, at instant: ContinuousClock.Instant = .now) {
    log.withLock { $0.record(from: from, node: node, credential: credential, elapsed: elapsed, at: instant) }
  }

  /// Summed outside the lock: requests answered meanwhile wait only for the copy (the log's
  /// slots are copied on write).
  public func summary(at instant: ContinuousClock.Instant = .now) -> RouteSummary {
    log.withLock { $0 }.summary(at: instant)
  }
}
