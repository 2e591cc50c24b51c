/// Bytes of tensor data in a serialized `InferTensorContents`, counted as the router's metering
/// and size limit count them on decoded messages (RequestValidator.payloadBytes): every element
/// at its size, BYTES elements with their 4-byte length prefixes.
public enum TensorPayload {
  public static func bytes(ofContents bytes: [UInt8], range: Range<Int>) throws(WireFormatError) -> Int {
    var scanner = ProtobufScanner(bytes, range: range)
    var total = 0
    while let (number, value) = try scanner.next() {
      let size: Int
      switch number {
      case 1: size = 1  // bool
      case 2, 4, 6: size = 4  // int32, uint32, fp32
      case 3, 5, 7: size = 8  // int64, uint64, fp64
      case 8:
        guard case .lengthDelimited(let element) = value else { throw WireFormatError("bytes_contents is not length-delimited") }
        total += 4 + element.count
        continue
      default: continue
      }
      switch value {
      case .lengthDelimited(let packed):
        if number == 6 || number == 7 {
          guard packed.count % size == 0 else { throw WireFormatError("packed fixed-width contents of \(packed.count) bytes") }
          total += packed.count
        } else {
          total += size * (try ProtobufScanner.packedVarintCount(in: bytes, range: packed))
        }
      case .varint, .fixed32, .fixed64:
        total += size
      }
    }
    return total
  }
}
