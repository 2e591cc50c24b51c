/// The protocol's encoding of BYTES tensors in raw contents: each element is a little-endian
/// UInt32 length followed by that many bytes, elements back to back.
public enum BytesTensorCodec {
  /// Splits raw contents into `count` elements; refuses short, long or oversized data.
  public static func decode(_ data: [UInt8], count: Int, maxElementLength: Int) throws(InferenceError) -> [[UInt8]] {
    var elements: [[UInt8]] = []
    elements.reserveCapacity(min(count, data.count / 4))
    var offset = 0
    while offset < data.count {
      guard data.count - offset >= 4 else {
        throw .invalidRequest("BYTES contents end inside an element's 4-byte length prefix")
      }
      let length = Int(UInt32(data[offset]) | UInt32(data[offset + 1]) << 8 | UInt32(data[offset + 2]) << 16 | UInt32(data[offset + 3]) << 24)
      offset += 4
      guard length <= maxElementLength else {
        throw .limitExceeded("a BYTES element of \(length) bytes exceeds the limit of \(maxElementLength)")
      }
      guard length <= data.count - offset else {
        throw .invalidRequest("a BYTES element claims \(length) bytes but only \(data.count - offset) remain")
      }
      guard elements.count < count else {
        throw .invalidRequest("BYTES contents hold more than the \(count) elements the shape declares")
      }
      elements.append(Array(data[offset..<offset + length]))
      offset += length
    }
    guard elements.count == count else {
      throw .invalidRequest("BYTES contents hold \(elements.count) elements but the shape declares \(count)")
    }
    return elements
  }

  public static func encode(_ elements: [[UInt8]]) -> [UInt8] {
    var data: [UInt8] = []
    data.reserveCapacity(elements.reduce(0) { $0 + 4 + $1.count })
    for element in elements {
      let length = UInt32(element.count)
      data += [UInt8(length & 0xff), UInt8(length >> 8 & 0xff), UInt8(length >> 16 & 0xff), UInt8(length >> 24)]
      data += element
    }
    return data
  }
}
