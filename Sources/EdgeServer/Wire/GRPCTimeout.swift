public import GRPCCore

/// The `grpc-timeout` request header (an integer of at most 8 digits and a unit: H, M, S, m, u,
/// n), which carries the caller's remaining deadline to the server. The router reads it to
/// forward each request with what is left of its deadline.
public enum GRPCTimeout {
  public static func parse(_ text: String) -> Duration? {
    guard let unit = text.last, text.count >= 2, text.count <= 9, let value = Int64(text.dropLast()), value >= 0 else {
      return nil
    }
    switch unit {
    case "H": return .seconds(value * 3600)
    case "M": return .seconds(value * 60)
    case "S": return .seconds(value)
    case "m": return .milliseconds(value)
    case "u": return .microseconds(value)
    case "n": return .nanoseconds(value)
    default: return nil
    }
  }

  /// The same deadline as a router forwards it to a node: the router enforces the deadline itself
  /// (AttemptWatch), so its call carries no `grpc-timeout` and neither it nor the node's gRPC
  /// server sets a timer per call; the node answers by this deadline from its own queue.
  public static let forwardedKey = "x-edge-timeout"

  /// The caller's timeout from request metadata, if it sent one: `grpc-timeout`, else a router's
  /// `x-edge-timeout`.
  public static func from(_ metadata: Metadata) -> Duration? {
    metadata[stringValues: "grpc-timeout"].first(where: { _ in true }).flatMap(parse)
      ?? metadata[stringValues: forwardedKey].first(where: { _ in true }).flatMap(parse)
  }

  /// `duration` in the header's format, rounded up to a whole unit (microseconds while they fit
  /// in 8 digits, then milliseconds, then seconds).
  public static func format(_ duration: Duration) -> String {
    let microseconds = max(0, (duration.components.seconds * 1_000_000) + (duration.components.attoseconds + 999_999_999_999) / 1_000_000_000_000)
    if microseconds <= 99_999_999 { return "\(microseconds)u" }
    let milliseconds = (microseconds + 999) / 1000
    if milliseconds <= 99_999_999 { return "\(milliseconds)m" }
    return "\(min(99_999_999, (milliseconds + 999) / 1000))S"
  }
}
