/// One line of a router's usage log (`--usage-log FILE`, JSON lines): what one credential used of
/// one model in the minute starting at `minute` (Unix seconds, a multiple of 60). A router
/// appends the usage of the last second on every flush; lines of the same minute and key add up.
public struct UsageLogLine: Sendable, Hashable, Codable {
  public var minute: Int64
  public var credential: String
  public var model: String
  public var requests: UInt64
  public var rows: UInt64
  public var inputBytes: UInt64
  public var outputBytes: UInt64
  public var computeUs: UInt64

  enum CodingKeys: String, CodingKey {
    case minute, credential, model, requests, rows
    case inputBytes = "input_bytes"
    case outputBytes = "output_bytes"
    case computeUs = "compute_us"
  }

  public init(minute: Int64, key: UsageKey, totals: UsageTotals) {
    self.minute = minute
    self.credential = key.credential
    self.model = key.model
    self.requests = totals.requests
    self.rows = totals.rows
    self.inputBytes = totals.inputBytes
    self.outputBytes = totals.outputBytes
    self.computeUs = totals.computeMicroseconds
  }

  public var key: UsageKey { UsageKey(credential: credential, model: model) }

  public var totals: UsageTotals {
    UsageTotals(requests: requests, rows: rows, inputBytes: inputBytes, outputBytes: outputBytes, computeMicroseconds: computeUs)
  }
}
