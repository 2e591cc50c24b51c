import Foundation

/// Latencies counted in fixed logarithmic buckets, eight to each doubling (each about 9% wide),
/// from 1 µs to 2^24 µs (16.8 s; longer ones count in the last): memory that does not grow with
/// traffic, and quantiles that merge across seconds by adding counts.
public struct LatencyBuckets: Sendable, Equatable {
  static let perDoubling = 8
  static let count = 24 * perDoubling + 1
  private var counts: [UInt32]
  public private(set) var total = 0

  public init() {
    counts = []
  }

  /// The bucket of `microseconds`: bucket i holds latencies up to 2^(i/8) µs.
  static func bucket(_ microseconds: Double) -> Int {
    guard microseconds > 1 else { return 0 }
    return min(count - 1, Int((log2(microseconds) * Double(perDoubling)).rounded(.up)))
  }

  /// The upper bound of bucket `index`, in microseconds.
  static func upperBound(_ index: Int) -> Double {
    exp2(Double(index) / Double(perDoubling))
  }

  public mutating func record(_ elapsed: Duration) {
    if counts.isEmpty { counts = Array(repeating: 0, count: Self.count) }
    let microseconds = Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) * 1e-12
    counts[Self.bucket(microseconds)] &+= 1
    total += 1
  }

  public mutating func add(_ other: LatencyBuckets) {
    guard other.total > 0 else { return }
    if counts.isEmpty { counts = Array(repeating: 0, count: Self.count) }
    for index in other.counts.indices { counts[index] &+= other.counts[index] }
    total += other.total
  }

  /// The `q` quantile (0 < q ≤ 1), as the upper bound of the bucket it falls in: never below the
  /// true value, at most one bucket (about 9%) above it; nil with nothing recorded.
  public func quantile(_ q: Double) -> Duration? {
    guard total > 0 else { return nil }
    let rank = max(1, Int((q * Double(total)).rounded(.up)))
    var seen = 0
    for (index, count) in counts.enumerated() {
      seen += Int(count)
      if seen >= rank { return .microseconds(Self.upperBound(index)) }
    }
    return .microseconds(Self.upperBound(Self.count - 1))
  }
}
