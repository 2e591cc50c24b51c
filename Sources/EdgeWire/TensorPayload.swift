/// Bytes of tensor data in a serialized `InferTensorContents`, counted as the router's metering
/// and size limit count them on decoded messages (RequestValidator.payloadBytes): every element
/// at its size, BYTES elements with their 4-byte length prefixes.
public enum TensorPayload {
  public static func bytes(ofContents bytes: [UInt8], range: Range<Int>) throws(WireFormatError) -> Int {
    var scanner = ProtobufScanner(bytes, range: range)
    var total = 0
    while let (number, value) = try scanner.next() {
      // A field whose wire type does not match its declaration is an unknown field to protobuf's
      // parsers, and is skipped here too.
      switch (number, value) {
      case (1, .varint): total += 1  // bool
      case (2, .varint), (4, .varint): total += 4  // int32, uint32
      case (3, .varint), (5, .varint): total += 8  // int64, uint64
      case (6, .fixed32): total += 4  // fp32
      case (7, .fixed64): total += 8  // fp64
      case (1...5, .lengthDelimited(let packed)):
        let size = number == 1 ? 1 : (number == 2 || number == 4) ? 4 : 8
        total += size * (try ProtobufScanner.packedVarintCount(in: bytes, range: packed))
      case (6, .lengthDelimited(let packed)), (7, .lengthDelimited(let packed)):
        guard packed.count % (number == 6 ? 4 : 8) == 0 else { throw WireFormatError("packed fixed-width contents of \(packed.count) bytes") }
        total += packed.count
      case (8, .lengthDelimited(let element)): total += 4 + element.count
      default: continue
      }
    }
    return total
  }
}
