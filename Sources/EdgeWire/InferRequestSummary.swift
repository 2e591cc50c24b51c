/// What the router needs from a serialized `ModelInferRequest` to route, limit, meter and log it,
/// read without decoding the request: its model and version, the client's request id, its rows
/// (the first input's first dimension, 1 when it has none) and its tensor payload in bytes. The
/// request itself travels on as the bytes it came in.
public struct InferRequestSummary: Sendable, Equatable {
  public var modelName = ""
  public var modelVersion = ""
  /// The Open Inference Protocol's `id`, as the client sent it.
  public var id = ""
  public var rows: Int64 = 1
  public var payloadBytes = 0

  public init() {}

  public init(scanning bytes: [UInt8]) throws(WireFormatError) {
    var scanner = ProtobufScanner(bytes)
    var sawInput = false
    while let (number, value) = try scanner.next() {
      switch (number, value) {
      case (1, .lengthDelimited(let range)): modelName = try ProtobufScanner.string(in: bytes, range: range)
      case (2, .lengthDelimited(let range)): modelVersion = try ProtobufScanner.string(in: bytes, range: range)
      case (3, .lengthDelimited(let range)): id = try ProtobufScanner.string(in: bytes, range: range)
      case (5, .lengthDelimited(let range)):
        let input = try Self.input(bytes, range: range)
        payloadBytes += input.payload
        if !sawInput { rows = input.firstDimension ?? 1 }
        sawInput = true
      case (7, .lengthDelimited(let range)): payloadBytes += range.count
      // A field whose wire type does not match its declaration is an unknown field to
      // protobuf's parsers (the node's among them), and is skipped here too.
      default: continue
      }
    }
  }

  /// One `InferInputTensor`: its first shape dimension and its typed contents' payload.
  private static func input(_ bytes: [UInt8], range: Range<Int>) throws(WireFormatError) -> (firstDimension: Int64?, payload: Int) {
    var scanner = ProtobufScanner(bytes, range: range)
    var first: Int64?
    var payload = 0
    while let (number, value) = try scanner.next() {
      switch (number, value) {
      case (3, .lengthDelimited(let packed)):
        if first == nil, let dimension = try ProtobufScanner.firstPackedVarint(in: bytes, range: packed) {
          first = Int64(bitPattern: dimension)
        }
      case (3, .varint(let dimension)):
        if first == nil { first = Int64(bitPattern: dimension) }
      case (5, .lengthDelimited(let contents)): payload += try TensorPayload.bytes(ofContents: bytes, range: contents)
      default: continue
      }
    }
    return (first, payload)
  }
}
