/// How fast the executor has been emptying the queue: an exponentially weighted average of rows
/// per second over completed batches, for the pushback a full queue suggests.
public struct DrainRate: Sendable, Equatable {
  /// Rows per second per executor instance; nil before the first batch completes.
  public private(set) var rowsPerSecond: Double?
  /// Weight of the newest batch.
  static let weight = 0.2

  public init() {}

  public mutating func record(rows: Int, duration: Duration) {
    let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    guard rows > 0, seconds > 0 else { return }
    let rate = Double(rows) / seconds
    rowsPerSecond = rowsPerSecond.map { $0 + Self.weight * (rate - $0) } ?? rate
  }

  /// How long `rows` queued rows take to drain through `instances` executors; nil when nothing
  /// has completed yet.
  public func timeToDrain(rows: Int, instances: Int) -> Duration? {
    guard let rowsPerSecond, rowsPerSecond > 0 else { return nil }
    return .seconds(Double(rows) / (rowsPerSecond * Double(max(instances, 1))))
  }
}
