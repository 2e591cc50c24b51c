import EdgeMetering
import Foundation
import Testing

struct UsageLedgerTests {
  let reader = UsageKey(credential: "reader", model: "digits")
  let other = UsageKey(credential: "ops", model: "minilm")
  let one = UsageTotals(requests: 1, rows: 2, inputBytes: 512, outputBytes: 96, computeMicroseconds: 40)

  @Test func sumsPerKeyAndMinute() {
    var ledger = UsageLedger()
    ledger.record(one, for: reader, at: 120)
    ledger.record(one, for: reader, at: 179)
    ledger.record(one, for: other, at: 180)
    #expect(ledger.totals()[reader] == UsageTotals(requests: 2, rows: 4, inputBytes: 1024, outputBytes: 192, computeMicroseconds: 80))
    #expect(ledger.totals()[other] == one)
    // From the minute holding `since`: 150 is in the minute from 120.
    #expect(ledger.totals(since: 150)[reader]?.requests == 2)
    #expect(ledger.totals(since: 180)[reader] == nil)
    #expect(ledger.totals(since: 181)[other] == one)
  }

  @Test func flushHandsOverOnlyWhatIsNew() {
    var ledger = UsageLedger()
    ledger.record(one, for: reader, at: 61)
    let first = ledger.flush()
    #expect(first == [UsageLogLine(minute: 60, key: reader, totals: one)])
    #expect(ledger.flush().isEmpty && !ledger.hasPending)
    ledger.record(one, for: reader, at: 62)
    #expect(ledger.flush() == [UsageLogLine(minute: 60, key: reader, totals: one)])
    // The ledger itself keeps the sum.
    #expect(ledger.totals()[reader]?.requests == 2)
  }

  @Test func linesWhoseWriteFailedAreFlushedAgainButCountedOnce() {
    var ledger = UsageLedger()
    ledger.record(one, for: reader, at: 61)
    let lines = ledger.flush()
    ledger.requeue(lines)
    #expect(ledger.hasPending)
    #expect(ledger.flush() == lines)
    #expect(ledger.totals()[reader] == one)
  }

  @Test func restoringTheLogRebuildsTheTotals() {
    var ledger = UsageLedger()
    var lines: [UsageLogLine] = []
    for second in stride(from: Int64(0), to: 600, by: 7) {
      ledger.record(one, for: second % 2 == 0 ? reader : other, at: second)
      lines += ledger.flush()
    }
    var restored = UsageLedger()
    restored.restore(lines)
    #expect(restored.totals() == ledger.totals())
    #expect(restored.totals(since: 300) == ledger.totals(since: 300))
    #expect(!restored.hasPending)
    var compacted = UsageLedger()
    compacted.restore(ledger.compacted)
    #expect(compacted.totals() == ledger.totals())
    #expect(ledger.compacted.count <= 20)
  }

  @Test func expiryFoldsDetailButKeepsAllTimeTotals() {
    var ledger = UsageLedger(retention: 3600)
    ledger.record(one, for: reader, at: 0)
    ledger.record(one, for: reader, at: 7200)
    ledger.expire(now: 7300)
    #expect(ledger.totals()[reader]?.requests == 2)
    #expect(ledger.totals(since: 7200)[reader]?.requests == 1)
    // A `since` reaching into the folded past counts all of it.
    #expect(ledger.totals(since: 0)[reader]?.requests == 2)
    var restored = UsageLedger(retention: 3600)
    restored.restore(ledger.compacted)
    #expect(restored.totals()[reader]?.requests == 2)
  }

  @Test func sumsSaturate() {
    let huge = UsageTotals(requests: .max - 1, rows: .max, inputBytes: 1, outputBytes: 1, computeMicroseconds: .max)
    let sum = huge + one
    #expect(sum.requests == .max && sum.rows == .max && sum.computeMicroseconds == .max && sum.inputBytes == 513)
  }

  @Test func minutesOfNegativeTimes() {
    #expect(UsageLedger.minute(of: -1) == -60)
    #expect(UsageLedger.minute(of: 59) == 0)
    #expect(UsageLedger.minute(of: 60) == 60)
  }

  @Test func logLinesUseSnakeCase() throws {
    let data = try JSONEncoder().encode(UsageLogLine(minute: 60, key: reader, totals: one))
    let text = String(decoding: data, as: UTF8.self)
    #expect(text.contains(#""input_bytes":512"#) && text.contains(#""compute_us":40"#))
    #expect(try JSONDecoder().decode(UsageLogLine.self, from: data).totals == one)
  }

  @Test func sinceParsesSpansAndInstants() {
    let now = Date(timeIntervalSince1970: 1_000_000)
    let expected: [(String, Int64)] = [("1h", 996_400), ("30m", 998_200), ("90s", 999_910), ("7d", 395_200)]
    for (text, value) in expected { #expect(UsageSince.parse(text, now: now) == value, "\(text)") }
    #expect(UsageSince.parse("2026-12-01T00:00:00Z") == 1_796_083_200)
    #expect(UsageSince.parse("yesterday") == nil)
    #expect(UsageSince.parse("-1h") == nil)
    #expect(UsageSince.parse("1e300h") == nil)
  }
}
