/// What the router needs from a node's serialized `ModelInferResponse` to report and meter it,
/// read without decoding the response: its integer parameters (the node's timings and rows) and
/// its tensor payload in bytes.
public struct InferResponseSummary: Sendable, Equatable {
  public var int64Parameters: [String: Int64] = [:]
  public var payloadBytes = 0

  public init() {}

  public init(scanning bytes: [UInt8]) throws(WireFormatError) {
    var scanner = ProtobufScanner(bytes)
    while let (number, value) = try scanner.next() {
      guard case .lengthDelimited(let range) = value else { continue }
      switch number {
      case 4:
        // The last entry for a key is its value, whatever kind it is.
        let (key, parameter) = try Self.parameter(bytes, entry: range)
        int64Parameters[key] = parameter
      case 5:
        var output = ProtobufScanner(bytes, range: range)
        while let (field, contents) = try output.next() {
          if field == 5, case .lengthDelimited(let contents) = contents {
            payloadBytes += try TensorPayload.bytes(ofContents: bytes, range: contents)
          }
        }
      case 6: payloadBytes += range.count
      default: continue
      }
    }
  }

  /// A parameters map entry's key, and its value when that is an `int64_param` (nil for other
  /// kinds).
  private static func parameter(_ bytes: [UInt8], entry: Range<Int>) throws(WireFormatError) -> (String, Int64?) {
    var scanner = ProtobufScanner(bytes, range: entry)
    var key = ""
    var parameter: Int64?
    while let (number, value) = try scanner.next() {
      switch (number, value) {
      case (1, .lengthDelimited(let range)): key = try ProtobufScanner.string(in: bytes, range: range)
      case (2, .lengthDelimited(let range)):
        // A value seen twice is merged, as protobuf merges a message field: the last member of
        // the oneof set wins; unknown fields change nothing.
        var inner = ProtobufScanner(bytes, range: range)
        while let (field, choice) = try inner.next() {
          switch (field, choice) {
          case (2, .varint(let raw)): parameter = Int64(bitPattern: raw)
          case (1, .varint), (3, .lengthDelimited), (4, .fixed64), (5, .varint): parameter = nil
          default: continue  // unknown, or a wire type that does not match: skipped
          }
        }
      default: continue
      }
    }
    return (key, parameter)
  }
}
