import Foundation

/// What a router has seen of one node from its own calls: the network round trip (an
/// exponentially weighted average of each answered call's time less the node's own queue and
/// compute time) and how often calls to it have failed lately. Failures fade with time as well
/// as with successes, so a node that failed and then recovered is tried again even when no
/// traffic has reached it since.
public struct NodeObservation: Sendable, Equatable {
  /// Round trip to the node; nil until a call has been answered.
  public private(set) var roundTrip: Duration?
  private var failureScore: Double = 0
  /// Whether a health check has been answered before (its connection is open).
  private var checked = false
  private var scoredAt: ContinuousClock.Instant?

  /// Weight of the newest sample.
  static let weight = 0.2
  /// Time in which the failure score halves without any call.
  public static let failureHalfLife = Duration.seconds(2)

  public init() {}

  /// Share of recent calls that failed, 0…1, weighted towards the latest and fading with time.
  public func errorRate(at now: ContinuousClock.Instant) -> Double {
    guard let scoredAt, failureScore > 0 else { return 0 }
    let elapsed = max(.zero, now - scoredAt) / Self.failureHalfLife
    return failureScore * pow(0.5, elapsed)
  }

  /// An answered call that took `sample`. A sample far above the average (a busy moment on
  /// either side, not the network) counts as at most four times it plus 2 ms.
  public mutating func recordSuccess(roundTrip sample: Duration, at now: ContinuousClock.Instant) {
    let sample = max(sample, .zero)
    if let current = roundTrip {
      roundTrip = current + (min(sample, current * 4 + .milliseconds(2)) - current) * Self.weight
    } else {
      roundTrip = sample
    }
    recordAnswer(at: now)
  }

  /// A health check answered after `sample`. The first one also paid for opening the
  /// connection, so it counts as an answer but not as a round trip.
  public mutating func recordCheck(roundTrip sample: Duration, at now: ContinuousClock.Instant) {
    guard checked else {
      checked = true
      recordAnswer(at: now)
      return
    }
    recordSuccess(roundTrip: sample, at: now)
  }

  /// An answered call with no round-trip sample: failures wear off.
  public mutating func recordAnswer(at now: ContinuousClock.Instant) {
    let rate = errorRate(at: now)
    failureScore = rate - rate * Self.weight
    scoredAt = now
  }

  public mutating func recordFailure(at now: ContinuousClock.Instant) {
    let rate = errorRate(at: now)
    failureScore = rate + (1 - rate) * Self.weight
    scoredAt = now
  }
}
