public import Foundation

/// Reads `--since`: a span back from now (`90s`, `30m`, `1h`, `7d`) or an ISO 8601 instant
/// (`2026-12-01T00:00:00Z`), as Unix seconds.
public enum UsageSince {
  public static func parse(_ text: String, now: Date = Date()) -> Int64? {
    if let unit = text.last, let multiplier = ["s": 1.0, "m": 60.0, "h": 3600.0, "d": 86_400.0][String(unit)],
      let amount = Double(text.dropLast()), amount >= 0, amount.isFinite, amount * multiplier < 1e11
    {
      return Int64((now.timeIntervalSince1970 - amount * multiplier).rounded(.down))
    }
    let formatter = ISO8601DateFormatter()
    for options: ISO8601DateFormatter.Options in [[.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds], [.withFullDate]] {
      formatter.formatOptions = options
      if let date = formatter.date(from: text) { return Int64(date.timeIntervalSince1970.rounded(.down)) }
    }
    return nil
  }
}
