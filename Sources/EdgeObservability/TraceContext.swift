/// A request's place in a distributed trace, as W3C Trace Context carries it in the
/// `traceparent` header (`00-<trace id>-<parent id>-<flags>`) with vendors' `tracestate` beside
/// it. The router takes a client's (or starts one when absent or malformed), names its own hop as
/// the parent of the node's, and every service reports the trace id in the response
/// (`edge_trace_id`) and in its log lines about the request. Pure apart from `start` and
/// `child`, whose random ids the caller may seed.
public struct TraceContext: Sendable, Equatable {
  /// 32 lowercase hex digits, not all zero.
  public let traceID: String
  /// 16 lowercase hex digits, not all zero: the span that sent the request.
  public let parentID: String
  /// The flags byte (bit 0: sampled), as two hex digits.
  public let flags: String
  /// The vendors' `tracestate`, passed on as received (at most 512 characters, else dropped as
  /// the specification allows).
  public let state: String?

  /// Reads a `traceparent` value; nil when it is not one (a new trace starts then). Version 00
  /// must be exactly 55 characters; a later version may append fields, which are ignored; `ff`
  /// is invalid, as are ids of all zeros and uppercase hex.
  public init?(traceparent: String, tracestate: String? = nil) {
    let fields = traceparent.split(separator: "-", omittingEmptySubsequences: false)
    guard fields.count >= 4, fields[0].count == 2, Self.isHex(fields[0]), fields[0] != "ff",
      fields[1].count == 32, Self.isHex(fields[1]), fields[1].contains(where: { $0 != "0" }),
      fields[2].count == 16, Self.isHex(fields[2]), fields[2].contains(where: { $0 != "0" }),
      fields[3].count == 2, Self.isHex(fields[3])
    else { return nil }
    if fields[0] == "00", traceparent.count != 55 { return nil }
    self.init(traceID: String(fields[1]), parentID: String(fields[2]), flags: String(fields[3]), state: tracestate)
  }

  private init(traceID: String, parentID: String, flags: String, state: String?) {
    self.traceID = traceID
    self.parentID = parentID
    self.flags = flags
    self.state = state.flatMap { $0.count <= 512 ? $0 : nil }
  }

  /// A new trace (sampled), its ids from `random`.
  public static func start(using random: inout some RandomNumberGenerator) -> TraceContext {
    TraceContext(traceID: hex(random.next(), random.next()), parentID: hex(random.next()), flags: "01", state: nil)
  }

  public static func start() -> TraceContext {
    var random = SystemRandomNumberGenerator()
    return start(using: &random)
  }

  /// The same trace with this hop as the parent of the next: what a service sends on.
  public func child(using random: inout some RandomNumberGenerator) -> TraceContext {
    TraceContext(traceID: traceID, parentID: Self.hex(random.next()), flags: flags, state: state)
  }

  public func child() -> TraceContext {
    var random = SystemRandomNumberGenerator()
    return child(using: &random)
  }

  /// The `traceparent` value to send on.
  public var traceparent: String { "00-\(traceID)-\(parentID)-\(flags)" }

  /// The headers to send on: `traceparent`, and `tracestate` when there is one.
  public var headers: [(String, String)] {
    [("traceparent", traceparent)] + (state.map { [("tracestate", $0)] } ?? [])
  }

  private static func isHex(_ text: Substring) -> Bool {
    text.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
  }

  /// Lowercase hex of the words, 16 digits each; an all-zero id (chance 2^-64) becomes 1.
  private static func hex(_ words: UInt64...) -> String {
    let words = words.allSatisfy { $0 == 0 } ? words.dropLast() + [1] : words[...]
    return words.map { word in
      let digits = String(word, radix: 16)
      return String(repeating: "0", count: 16 - digits.count) + digits
    }.joined()
  }
}
