/// A value of the Open Inference Protocol's `InferParameter`, to be written into a serialized
/// message's parameters map.
public enum WireParameter: Sendable, Equatable {
  case bool(Bool)
  case int64(Int64)
  case string(String)
  case double(Double)

  /// Appends `key: value` to the parameters map (field `field`) of the serialized message in
  /// `message`. Protobuf reads a map key that appears twice as its last value, so appending
  /// overrides any value the message already held, without decoding the message.
  public static func append(_ key: String, _ value: WireParameter, field: Int = 4, to message: inout [UInt8]) {
    var parameter: [UInt8] = []
    switch value {
    case .bool(let flag): parameter = [0x08, flag ? 1 : 0]
    case .int64(let number):
      parameter = [0x10]
      appendVarint(UInt64(bitPattern: number), to: &parameter)
    case .string(let text):
      parameter = [0x1A]
      appendVarint(UInt64(text.utf8.count), to: &parameter)
      parameter.append(contentsOf: text.utf8)
    case .double(let number):
      parameter = [0x21]
      withUnsafeBytes(of: number.bitPattern.littleEndian) { parameter.append(contentsOf: $0) }
    }
    var entry: [UInt8] = [0x0A]
    appendVarint(UInt64(key.utf8.count), to: &entry)
    entry.append(contentsOf: key.utf8)
    entry.append(0x12)
    appendVarint(UInt64(parameter.count), to: &entry)
    entry.append(contentsOf: parameter)
    appendVarint(UInt64(field << 3 | 2), to: &message)
    appendVarint(UInt64(entry.count), to: &message)
    message.append(contentsOf: entry)
  }

  static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
    var rest = value
    while rest >= 0x80 {
      bytes.append(UInt8(rest & 0x7F) | 0x80)
      rest >>= 7
    }
    bytes.append(UInt8(rest))
  }
}
