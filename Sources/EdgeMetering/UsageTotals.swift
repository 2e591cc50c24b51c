/// What a credential used of a model: answered requests, the rows in them, tensor payload bytes
/// in and out, and the compute the nodes measured for them (each request's share of its batch's
/// execution time, in microseconds). Sums saturate rather than wrap.
public struct UsageTotals: Sendable, Hashable, Codable {
  public var requests: UInt64 = 0
  public var rows: UInt64 = 0
  public var inputBytes: UInt64 = 0
  public var outputBytes: UInt64 = 0
  public var computeMicroseconds: UInt64 = 0

  public init(requests: UInt64 = 0, rows: UInt64 = 0, inputBytes: UInt64 = 0, outputBytes: UInt64 = 0, computeMicroseconds: UInt64 = 0) {
    self.requests = requests
    self.rows = rows
    self.inputBytes = inputBytes
    self.outputBytes = outputBytes
    self.computeMicroseconds = computeMicroseconds
  }

  public var isZero: Bool { self == UsageTotals() }

  public static func + (a: UsageTotals, b: UsageTotals) -> UsageTotals {
    func add(_ x: UInt64, _ y: UInt64) -> UInt64 {
      let (sum, overflow) = x.addingReportingOverflow(y)
      return overflow ? .max : sum
    }
    return UsageTotals(
      requests: add(a.requests, b.requests), rows: add(a.rows, b.rows), inputBytes: add(a.inputBytes, b.inputBytes),
      outputBytes: add(a.outputBytes, b.outputBytes), computeMicroseconds: add(a.computeMicroseconds, b.computeMicroseconds))
  }

  public static func += (a: inout UsageTotals, b: UsageTotals) { a = a + b }
}
