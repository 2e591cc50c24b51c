import Foundation

/// What a router has seen of one node from its own calls: the network round trip and how often
/// calls to it have failed lately. The round trip is the least of the last few samples, not
/// their average: a sample is the network's time plus whatever made either side late (a busy
/// core, a garbage-collecting peer), and the network's share is the floor, as TCP's and BBR's
/// minimum RTT filters take it. Busy nodes show in the queue term, not here. Failures fade with time as well
/// as with successes, so a node that failed and then recovered is tried again even when no
/// traffic has reached it since.
public struct NodeObservation: Sendable, Equatable {
  /// Round trip to the node; nil until `minimumSamples` have been taken (one sample is too
  /// easily a busy moment).
  public var roundTrip: Duration? { samples.count >= Self.minimumSamples ? samples.min() : nil }
  public static let minimumSamples = 3
  /// The latest round-trip samples, oldest first.
  private var samples: [Duration] = []
  /// Samples the minimum is taken over (with checks every 500 ms, the last 4 s).
  public static let window = 8
  private var failureScore: Double = 0
  /// Whether a health check has been answered before (its connection is open).
  private var checked = false
  private var scoredAt: ContinuousClock.Instant?

  /// Weight of the newest outcome in the error rate.
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

  /// An answered call that took `sample`.
  public mutating func recordSuccess(roundTrip sample: Duration, at now: ContinuousClock.Instant) {
    samples.append(max(sample, .zero))
    if samples.count > Self.window { samples.removeFirst(samples.count - Self.window) }
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
