extension Duration {
  /// Whole milliseconds, rounded down; negative durations count as zero.
  var wholeMilliseconds: Int64 {
    max(0, components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
  }
}

extension Duration {
  /// Milliseconds with their fraction, for messages and pushback.
  var fractionalMilliseconds: Double {
    Double(components.seconds) * 1e3 + Double(components.attoseconds) / 1e15
  }
}

extension Duration {
  /// Seconds with their fraction, for reports.
  var fractionalSeconds: Double {
    Double(components.seconds) + Double(components.attoseconds) / 1e18
  }
}
