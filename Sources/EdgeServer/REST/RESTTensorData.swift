import Foundation

/// Tensor data between the Open Inference Protocol's JSON form (`"data": [...]`, flat or nested,
/// row-major) and the raw little-endian bytes the gRPC binding and Triton's binary extension
/// carry (`raw_input_contents`; BYTES as a 4-byte little-endian length before each element).
/// Pure: a bad element is a clear error naming the tensor, never a crash.
package enum RESTTensorData {
  /// Bytes per element of each fixed-size datatype.
  package static func elementSize(_ datatype: String) -> Int? {
    switch datatype {
    case "BOOL", "UINT8", "INT8": 1
    case "UINT16", "INT16", "FP16", "BF16": 2
    case "UINT32", "INT32", "FP32": 4
    case "UINT64", "INT64", "FP64": 8
    default: nil
    }
  }

  /// The raw bytes of `data` (a JSON array, possibly nested) as `datatype`.
  package static func raw(_ data: RESTJSONValue, datatype: String, tensor: String) throws(RESTError) -> [UInt8] {
    var elements: [RESTJSONValue] = []
    flatten(data, into: &elements)
    var bytes: [UInt8] = []
    if let size = elementSize(datatype) { bytes.reserveCapacity(elements.count * size) }
    for (index, element) in elements.enumerated() {
      guard append(element, as: datatype, to: &bytes) else {
        throw RESTError.badRequest("input '\(tensor)': element \(index) is not a valid \(datatype) value")
      }
    }
    return bytes
  }

  private static func flatten(_ value: RESTJSONValue, into elements: inout [RESTJSONValue]) {
    if case .array(let array) = value {
      for item in array { flatten(item, into: &elements) }
    } else {
      elements.append(value)
    }
  }

  private static func append(_ element: RESTJSONValue, as datatype: String, to bytes: inout [UInt8]) -> Bool {
    switch (datatype, element) {
    case ("BYTES", .string(let text)):
      let utf8 = Array(text.utf8)
      withUnsafeBytes(of: UInt32(utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
      bytes.append(contentsOf: utf8)
      return true
    case ("BOOL", .bool(let value)):
      bytes.append(value ? 1 : 0)
      return true
    case ("BYTES", _), ("BOOL", _), (_, .bool), (_, .string), (_, .null), (_, .array), (_, .object):
      return false
    default:
      break
    }
    func integer<T: FixedWidthInteger>(_: T.Type) -> Bool {
      let exact: T? =
        switch element {
        case .integer(let value): T(exactly: value)
        case .unsigned(let value): T(exactly: value)
        default: nil
        }
      guard let exact else { return false }
      withUnsafeBytes(of: exact.littleEndian) { bytes.append(contentsOf: $0) }
      return true
    }
    guard let value = element.double else { return false }
    switch datatype {
    case "UINT8": return integer(UInt8.self)
    case "UINT16": return integer(UInt16.self)
    case "UINT32": return integer(UInt32.self)
    case "UINT64": return integer(UInt64.self)
    case "INT8": return integer(Int8.self)
    case "INT16": return integer(Int16.self)
    case "INT32": return integer(Int32.self)
    case "INT64": return integer(Int64.self)
    case "FP16":
      withUnsafeBytes(of: Float16(value).bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
      return true
    case "FP32":
      withUnsafeBytes(of: Float(value).bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
      return true
    case "FP64":
      withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
      return true
    default: return false
    }
  }

  /// The JSON elements of raw bytes as `datatype` (flat, row-major); nil when the bytes do not
  /// divide into elements of it.
  package static func json(_ raw: some Collection<UInt8>, datatype: String) -> [Any]? {
    let bytes = Array(raw)
    if datatype == "BYTES" {
      var elements: [Any] = []
      var offset = 0
      while offset < bytes.count {
        guard offset + 4 <= bytes.count else { return nil }
        let length = Int(UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24)
        offset += 4
        guard offset + length <= bytes.count else { return nil }
        elements.append(String(decoding: bytes[offset..<offset + length], as: UTF8.self))
        offset += length
      }
      return elements
    }
    guard let size = elementSize(datatype), bytes.count % size == 0, datatype != "BF16" else { return nil }
    return bytes.withUnsafeBytes { buffer -> [Any] in
      (0..<bytes.count / size).map { index -> Any in
        let at = index * size
        switch datatype {
        case "BOOL": return buffer[at] != 0
        case "UINT8": return Int(buffer[at])
        case "INT8": return Int(Int8(bitPattern: buffer[at]))
        case "UINT16": return Int(UInt16(littleEndian: buffer.loadUnaligned(fromByteOffset: at, as: UInt16.self)))
        case "INT16": return Int(Int16(littleEndian: buffer.loadUnaligned(fromByteOffset: at, as: Int16.self)))
        case "UINT32": return Int(UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
        case "INT32": return Int(Int32(littleEndian: buffer.loadUnaligned(fromByteOffset: at, as: Int32.self)))
        case "UINT64": return UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: at, as: UInt64.self))
        case "INT64": return Int64(littleEndian: buffer.loadUnaligned(fromByteOffset: at, as: Int64.self))
        case "FP16":
          return Double(Float16(bitPattern: UInt16(littleEndian: buffer.loadUnaligned(fromByteOffset: at, as: UInt16.self))))
        case "FP32":
          return Double(Float(bitPattern: UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: at, as: UInt32.self))))
        default:
          return Double(bitPattern: UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: at, as: UInt64.self)))
        }
      }
    }
  }
}
