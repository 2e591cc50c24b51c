extension Duration {
  /// Whole milliseconds, rounded down; negative durations count as zero.
  package var wholeMilliseconds: Int64 {
    max(0, components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
  }
}

extension Duration {
  /// Milliseconds with their fraction, for messages and pushback.
  package var fractionalMilliseconds: Double {
    Double(components.seconds) * 1e3 + Double(components.attoseconds) / 1e15
  }
}

extension Duration {
  /// Seconds with their fraction, for reports.
  package var fractionalSeconds: Double {
    Double(components.seconds) + Double(components.attoseconds) / 1e18
  }
}

extension Duration {
  /// Microseconds with their fraction, for timings in response parameters.
  package var fractionalMicroseconds: Double {
    Double(components.seconds) * 1e6 + Double(components.attoseconds) / 1e12
  }

  /// Whole nanoseconds, rounded down; negative durations count as zero.
  package var wholeNanoseconds: UInt64 {
    UInt64(max(0, components.seconds)) * 1_000_000_000 + UInt64(max(0, components.attoseconds) / 1_000_000_000)
  }
}
