/// A token bucket with explicit instants: `rate` tokens a second up to `burst`; a request takes
/// one. Pure, so its arithmetic is tested without a clock.
public struct TokenBucket: Sendable, Equatable {
  public let rate: Double
  public let burst: Double
  public private(set) var tokens: Double
  private var updated: ContinuousClock.Instant

  public init(rate: Double, burst: Double, at now: ContinuousClock.Instant) {
    precondition(rate > 0 && burst >= 1, "a bucket needs a positive rate and room for one token")
    self.rate = rate
    self.burst = burst
    self.tokens = burst
    self.updated = now
  }

  /// Takes a token: nil when granted, else how long until one is back.
  public mutating func take(at now: ContinuousClock.Instant) -> Duration? {
    if now > updated {
      let elapsed = updated.duration(to: now)
      let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
      tokens = min(burst, tokens + seconds * rate)
      updated = now
    }
    if tokens >= 1 {
      tokens -= 1
      return nil
    }
    return .nanoseconds(Int64(((1 - tokens) / rate * 1e9).rounded(.up)))
  }
}
