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
        if let (key, parameter) = try Self.int64Parameter(bytes, entry: range) { int64Parameters[key] = parameter }
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

  /// A parameters map entry whose value is an `int64_param`; nil for other kinds.
  private static func int64Parameter(_ bytes: [UInt8], entry: Range<Int>) throws(WireFormatError) -> (String, Int64)? {
    var scanner = ProtobufScanner(bytes, range: entry)
    var key = ""
    var parameter: Int64?
    while let (number, value) = try scanner.next() {
      switch (number, value) {
      case (1, .lengthDelimited(let range)): key = try ProtobufScanner.string(in: bytes, range: range)
      case (2, .lengthDelimited(let range)):
        var inner = ProtobufScanner(bytes, range: range)
        parameter = nil
        while let (field, choice) = try inner.next() {
          if case .varint(let raw) = choice { parameter = field == 2 ? Int64(bitPattern: raw) : nil } else { parameter = nil }
        }
      default: continue
      }
    }
    return parameter.map { (key, $0) }
  }
}
