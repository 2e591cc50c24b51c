public import Logging
import Synchronization

/// Logs refusals (bad keys, rate limits, shed load, a full node) through a LogThrottle: once per
/// cause, then at most once per interval with the count of those not logged, at notice level.
public final class RefusalLog: Sendable {
  private let logger: Logger
  private let throttle: Mutex<LogThrottle>

  public init(logger: Logger, interval: Duration = .seconds(10)) {
    self.logger = logger
    self.throttle = Mutex(LogThrottle(interval: interval))
  }

  /// `cause`: a fixed name (`rate_limited`, `shed`, …), never a client's text.
  public func refused(
    _ cause: String, _ message: @autoclosure () -> String, metadata: @autoclosure () -> Logger.Metadata = [:]
  ) {
    let now = ContinuousClock.now
    guard let suppressed = throttle.withLock({ $0.admit(cause, at: now) }) else { return }
    var fields = metadata()
    fields["cause"] = "\(cause)"
    if suppressed > 0 { fields["unlogged_since_last"] = "\(suppressed)" }
    logger.notice("refused: \(message())", metadata: fields)
  }
}
