import EdgeServer
/// When a crashed child of a local cluster starts again (`edgeinfer cluster up --restart
/// on-failure`, as compose's restart policy): after `initial`, doubling for each crash in a row
/// up to `maximum`; a child that ran for `forgiveAfter` since its last start has its count reset.
/// Pure, with explicit instants.
public struct RestartBackoff: Sendable, Equatable {
  public typealias Instant = ContinuousClock.Instant

  public var initial: Duration
  public var maximum: Duration
  public var forgiveAfter: Duration
  /// Crashes in a row so far.
  public private(set) var crashes = 0
  private var lastStart: Instant?

  public init(initial: Duration = .seconds(1), maximum: Duration = .seconds(30), forgiveAfter: Duration = .seconds(60)) {
    self.initial = initial
    self.maximum = maximum
    self.forgiveAfter = forgiveAfter
  }

  /// The child was (re)started at `now`.
  public mutating func started(at now: Instant) {
    lastStart = now
  }

  /// The child crashed at `now`: when to start it again.
  public mutating func crashed(at now: Instant) -> Instant {
    if let lastStart, now - lastStart >= forgiveAfter { crashes = 0 }
    var delay = initial
    for _ in 0..<min(crashes, 32) where delay < maximum { delay *= 2 }
    crashes += 1
    return now + min(delay, maximum)
  }
}
