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

  /// The caller's timeout from request metadata, if it sent one.
  public static func from(_ metadata: Metadata) -> Duration? {
    metadata[stringValues: "grpc-timeout"].first(where: { _ in true }).flatMap(parse)
  }
}
