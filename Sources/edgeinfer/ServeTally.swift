import GRPCCore
import Histogram

/// What a load run saw: successes' latencies (HdrHistogram, microseconds), failures by status,
/// how fast refusals came back, and how close DEADLINE_EXCEEDED answers came to the deadline.
struct ServeTally: Sendable {
  var ok = Histogram<UInt64>(highestTrackableValue: 600_000_000)
  /// RESOURCE_EXHAUSTED and UNAVAILABLE answers: a refusal should cost the caller nothing.
  var refusals = Histogram<UInt64>(highestTrackableValue: 600_000_000)
  /// |answer time − deadline| of DEADLINE_EXCEEDED answers.
  var deadlineError = Histogram<UInt64>(highestTrackableValue: 600_000_000)
  var failures: [String: Int] = [:]
  /// The first message seen for each failing status.
  var examples: [String: String] = [:]
  /// Requests an open-loop run could not send because `--concurrency` were already outstanding.
  var unsent = 0
  /// Calls of an open-loop run still unanswered well past their deadline when the run ended.
  var stuck = 0

  enum Outcome: Sendable {
    case ok
    case failed(RPCError.Code, String)
  }

  mutating func record(_ outcome: Outcome, latency: Duration, deadline: Duration) {
    let micros = Self.microseconds(latency)
    switch outcome {
    case .ok:
      _ = ok.record(micros)
    case .failed(let code, let message):
      failures[Self.name(code), default: 0] += 1
      if examples[Self.name(code)] == nil { examples[Self.name(code)] = message }
      if code == .resourceExhausted || code == .unavailable { _ = refusals.record(micros) }
      if code == .deadlineExceeded {
        let target = Self.microseconds(deadline)
        _ = deadlineError.record(micros > target ? micros - target : target - micros)
      }
    }
  }

  mutating func merge(_ other: ServeTally) {
    ok.add(other.ok)
    refusals.add(other.refusals)
    deadlineError.add(other.deadlineError)
    failures.merge(other.failures, uniquingKeysWith: +)
    examples.merge(other.examples) { mine, _ in mine }
    unsent += other.unsent
    stuck += other.stuck
  }

  var failed: Int { failures.values.reduce(0, +) }

  static func milliseconds(_ histogram: Histogram<UInt64>, _ percentile: Double) -> Double? {
    histogram.totalCount == 0 ? nil : Double(histogram.valueAtPercentile(percentile)) / 1000
  }

  static func microseconds(_ duration: Duration) -> UInt64 {
    UInt64(max(0, duration.components.seconds)) * 1_000_000 + UInt64(max(0, duration.components.attoseconds) / 1_000_000_000_000)
  }

  /// The status as gRPC names it (DEADLINE_EXCEEDED), as logs and dashboards spell it.
  static func name(_ code: RPCError.Code) -> String {
    var name = ""
    for character in String(describing: code) {
      if character.isUppercase { name += "_" }
      name += character.uppercased()
    }
    return name
  }
}
