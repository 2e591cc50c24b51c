/// A router's usage by credential and model, per minute: pure, with explicit times (Unix
/// seconds), so the arithmetic is tested without a clock or a file.
///
/// Every answered request is `record`ed into its minute and into what is `pending` for the
/// usage log; `flush` hands the pending lines to be appended; `restore` rebuilds the ledger from
/// the log at start. `totals(since:)` sums the minutes from the one holding `since` on; minutes
/// older than `retention` are folded into one bucket before them, so the all-time totals stay
/// exact while memory stays bounded (a `since` reaching past the retention counts all of the
/// folded usage).
public struct UsageLedger: Sendable {
  /// How long per-minute detail is kept (answers `--since` exactly within it).
  public var retention: Int64

  private var minutes: [Int64: [UsageKey: UsageTotals]] = [:]
  /// Usage older than the retention, all-time.
  private var folded: [UsageKey: UsageTotals] = [:]
  /// The newest minute folded in.
  private var foldedThrough: Int64?
  private var pending: [Int64: [UsageKey: UsageTotals]] = [:]

  public init(retention: Int64 = 31 * 86_400) {
    self.retention = retention
  }

  public static func minute(of time: Int64) -> Int64 {
    time - ((time % 60) + 60) % 60
  }

  /// Adds one answered request's usage at `time`.
  public mutating func record(_ usage: UsageTotals, for key: UsageKey, at time: Int64) {
    let minute = Self.minute(of: time)
    minutes[minute, default: [:]][key, default: UsageTotals()] += usage
    pending[minute, default: [:]][key, default: UsageTotals()] += usage
  }

  /// The usage recorded since the last flush, as log lines, in order; clears it.
  public mutating func flush() -> [UsageLogLine] {
    defer { pending = [:] }
    return Self.lines(pending)
  }

  /// Puts lines back to be flushed again (their write failed); the totals already hold them.
  public mutating func requeue(_ lines: [UsageLogLine]) {
    for line in lines {
      pending[Self.minute(of: line.minute), default: [:]][line.key, default: UsageTotals()] += line.totals
    }
  }

  /// Whether anything awaits a flush.
  public var hasPending: Bool { !pending.isEmpty }

  /// Adds lines read back from the usage log (not pending: they are written already).
  public mutating func restore(_ lines: [UsageLogLine]) {
    for line in lines {
      minutes[Self.minute(of: line.minute), default: [:]][line.key, default: UsageTotals()] += line.totals
    }
  }

  /// Every minute held, as log lines: what a compacted usage log holds.
  public var compacted: [UsageLogLine] {
    // Folded usage is written as one line per key at the newest minute folded.
    let folded = foldedThrough.map { through in
      self.folded.sorted { $0.key < $1.key }.map { UsageLogLine(minute: through, key: $0.key, totals: $0.value) }
    } ?? []
    return folded + Self.lines(minutes)
  }

  /// Folds minutes older than the retention before `now` into the all-time bucket.
  public mutating func expire(now: Int64) {
    let cutoff = now - retention
    for (minute, usage) in minutes where minute < cutoff {
      for (key, totals) in usage { folded[key, default: UsageTotals()] += totals }
      minutes[minute] = nil
      foldedThrough = max(foldedThrough ?? minute, minute)
    }
  }

  /// Usage per key from the minute holding `since` on (all time when nil). A `since` older than
  /// the retention counts everything held, folded usage included.
  public func totals(since: Int64? = nil) -> [UsageKey: UsageTotals] {
    var result: [UsageKey: UsageTotals] = [:]
    let from = since.map(Self.minute(of:))
    for (minute, usage) in minutes where from.map({ minute >= $0 }) ?? true {
      for (key, totals) in usage { result[key, default: UsageTotals()] += totals }
    }
    // Folded minutes have lost their detail: a `since` that reaches into them counts them all.
    if let through = foldedThrough, from.map({ $0 <= through }) ?? true {
      for (key, totals) in folded { result[key, default: UsageTotals()] += totals }
    }
    return result
  }

  private static func lines(_ minutes: [Int64: [UsageKey: UsageTotals]]) -> [UsageLogLine] {
    minutes.keys.sorted().flatMap { minute in
      minutes[minute]!.sorted { $0.key < $1.key }.map { UsageLogLine(minute: minute, key: $0.key, totals: $0.value) }
    }
  }
}
