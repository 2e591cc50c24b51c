/// A quantile from a histogram's cumulative buckets, as Prometheus' `histogram_quantile` computes
/// it: find the bucket the rank falls in and interpolate linearly inside it (from 0 for the
/// first bucket); a rank in the `+Inf` bucket answers the highest finite bound. nil without
/// observations.
public enum HistogramQuantile {
  /// `buckets`: upper bounds with their cumulative counts, in any order, `+Inf` included.
  public static func quantile(_ q: Double, buckets: [(upperBound: Double, count: Double)]) -> Double? {
    let sorted = buckets.sorted { $0.upperBound < $1.upperBound }
    guard let total = sorted.last?.count, total > 0, (0...1).contains(q) else { return nil }
    let rank = q * total
    var lowerBound = 0.0
    var below = 0.0
    for bucket in sorted {
      if bucket.count >= rank {
        guard bucket.upperBound.isFinite else { return lowerBound }
        let inBucket = bucket.count - below
        return inBucket > 0 ? lowerBound + (bucket.upperBound - lowerBound) * (rank - below) / inBucket : bucket.upperBound
      }
      lowerBound = bucket.upperBound
      below = bucket.count
    }
    return lowerBound
  }
}
