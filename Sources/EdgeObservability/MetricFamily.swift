/// One metric family as Prometheus shows it: its name (with its unit, `_total` for counters),
/// what it means (the page's HELP line) and how its samples are kept. Each service lists its
/// families once; every sample it records names one of them.
public struct MetricFamily: Sendable, Hashable {
  public enum Kind: Sendable, Hashable {
    /// Only grows (`_total`).
    case counter
    /// Goes up and down; set to the latest value.
    case gauge
    /// A histogram of durations, shown in seconds (`_seconds`), with these bucket bounds.
    case durations([Duration])
    /// A histogram of plain values (rows, bytes), with these bucket bounds.
    case values([Double])
  }

  public let name: String
  public let help: String
  public let kind: Kind

  public init(_ name: String, _ kind: Kind, help: String) {
    self.name = name
    self.kind = kind
    self.help = help
  }

  /// Request and queue times: 100 µs to 10 s.
  public static let requestBuckets: [Duration] = [
    .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2500),
    .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
    .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
  ]
  /// A hop's own overhead (the router's routing time): 5 µs to 10 ms.
  public static let overheadBuckets: [Duration] = [
    .microseconds(5), .microseconds(10), .microseconds(25), .microseconds(50), .microseconds(100),
    .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10),
  ]
  /// Rows per batch or request: powers of two to 1,024.
  public static let rowBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
}
