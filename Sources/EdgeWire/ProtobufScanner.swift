/// Walks the fields of a serialized protobuf message (or of one nested in it) without decoding
/// it: each field's number and wire value, length-delimited fields as ranges of the same bytes,
/// so that a message's payload is skipped, never copied. Every length is checked against the
/// bytes left, so malformed input ends in a WireFormatError, never a read out of bounds.
public struct ProtobufScanner {
  public let bytes: [UInt8]
  private var index: Int
  private let end: Int

  public init(_ bytes: [UInt8]) {
    self.init(bytes, range: bytes.startIndex..<bytes.endIndex)
  }

  /// A scanner of the message held in `range` of `bytes` (a nested message's field value).
  public init(_ bytes: [UInt8], range: Range<Int>) {
    self.bytes = bytes
    self.index = range.lowerBound
    self.end = range.upperBound
  }

  /// The next field, or nil at the end of the message.
  public mutating func next() throws(WireFormatError) -> (number: Int, value: WireValue)? {
    guard index < end else { return nil }
    let tag = try varint()
    let number = tag >> 3
    guard number >= 1, number <= 536_870_911 else { throw WireFormatError("field number \(number) at byte \(index)") }
    switch tag & 7 {
    case 0:
      return (Int(number), .varint(try varint()))
    case 1:
      guard end - index >= 8 else { throw WireFormatError("a fixed64 field runs past the end") }
      var value: UInt64 = 0
      for shift in 0..<8 { value |= UInt64(bytes[index + shift]) << (8 * shift) }
      index += 8
      return (Int(number), .fixed64(value))
    case 2:
      let length = try varint()
      guard length <= UInt64(end - index) else { throw WireFormatError("field \(number) claims \(length) bytes; \(end - index) are left") }
      let start = index
      index += Int(length)
      return (Int(number), .lengthDelimited(start..<index))
    case 5:
      guard end - index >= 4 else { throw WireFormatError("a fixed32 field runs past the end") }
      var value: UInt32 = 0
      for shift in 0..<4 { value |= UInt32(bytes[index + shift]) << (8 * shift) }
      index += 4
      return (Int(number), .fixed32(value))
    default:
      throw WireFormatError("wire type \(tag & 7) of field \(number) is not used by proto3")
    }
  }

  /// A base-128 varint at the current position.
  public mutating func varint() throws(WireFormatError) -> UInt64 {
    var value: UInt64 = 0
    var shift: UInt64 = 0
    while index < end {
      let byte = bytes[index]
      index += 1
      guard shift < 64 else { throw WireFormatError("a varint longer than 10 bytes") }
      value |= UInt64(byte & 0x7F) << shift
      if byte & 0x80 == 0 { return value }
      shift += 7
    }
    throw WireFormatError("a varint runs past the end")
  }

  /// Varints packed in `range`: how many there are (a packed repeated field's element count).
  public static func packedVarintCount(in bytes: [UInt8], range: Range<Int>) throws(WireFormatError) -> Int {
    guard range.isEmpty || bytes[range.upperBound - 1] & 0x80 == 0 else { throw WireFormatError("a packed varint runs past its field") }
    var count = 0
    for index in range where bytes[index] & 0x80 == 0 { count += 1 }
    return count
  }

  /// The first varint packed in `range`, or nil when it is empty.
  public static func firstPackedVarint(in bytes: [UInt8], range: Range<Int>) throws(WireFormatError) -> UInt64? {
    guard !range.isEmpty else { return nil }
    var scanner = ProtobufScanner(bytes, range: range)
    return try scanner.varint()
  }

  /// The UTF-8 text in `range`; protobuf strings must be valid UTF-8.
  public static func string(in bytes: [UInt8], range: Range<Int>) throws(WireFormatError) -> String {
    guard let text = String(validating: bytes[range], as: UTF8.self) else { throw WireFormatError("a string field is not valid UTF-8") }
    return text
  }
}
