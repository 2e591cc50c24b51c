import Foundation
public import EdgeProto

/// Converts the protocol's typed contents (`InferTensorContents`) to raw little-endian bytes,
/// checking that the field matches the datatype, the count matches the shape, and each value
/// fits the element type (an INT8 input sent as int_contents must lie in -128...127).
public enum TypedContentsDecoder {
  public static func decode(
    _ contents: Inference_InferTensorContents, dataType: TensorDataType, elements: Int, name: String
  ) throws(InferenceError) -> [UInt8] {
    func count(_ actual: Int, _ field: String) throws(InferenceError) {
      guard actual == elements else {
        throw .invalidRequest("input '\(name)' has \(actual) values in \(field); its shape holds \(elements)")
      }
    }
    func narrow<Source: BinaryInteger, Target: FixedWidthInteger & FixedWidthNumeric>(
      _ values: [Source], to: Target.Type, field: String
    ) throws(InferenceError) -> [UInt8] {
      try count(values.count, field)
      var result: [Target] = []
      result.reserveCapacity(values.count)
      for value in values {
        guard let narrowed = Target(exactly: value) else {
          throw .invalidRequest("input '\(name)' value \(value) does not fit \(dataType.rawValue)")
        }
        result.append(narrowed)
      }
      return Tensor.littleEndianBytes(of: result)
    }
    switch dataType {
    case .bool:
      try count(contents.boolContents.count, "bool_contents")
      return contents.boolContents.map { $0 ? 1 : 0 }
    case .int8: return try narrow(contents.intContents, to: Int8.self, field: "int_contents")
    case .int16: return try narrow(contents.intContents, to: Int16.self, field: "int_contents")
    case .int32: return try narrow(contents.intContents, to: Int32.self, field: "int_contents")
    case .int64: return try narrow(contents.int64Contents, to: Int64.self, field: "int64_contents")
    case .uint8: return try narrow(contents.uintContents, to: UInt8.self, field: "uint_contents")
    case .uint16: return try narrow(contents.uintContents, to: UInt16.self, field: "uint_contents")
    case .uint32: return try narrow(contents.uintContents, to: UInt32.self, field: "uint_contents")
    case .uint64: return try narrow(contents.uint64Contents, to: UInt64.self, field: "uint64_contents")
    case .fp32:
      try count(contents.fp32Contents.count, "fp32_contents")
      return Tensor.littleEndianBytes(of: contents.fp32Contents)
    case .fp64:
      try count(contents.fp64Contents.count, "fp64_contents")
      return Tensor.littleEndianBytes(of: contents.fp64Contents)
    case .bytes:
      try count(contents.bytesContents.count, "bytes_contents")
      return BytesTensorCodec.encode(contents.bytesContents.map { [UInt8]($0) })
    case .fp16, .bf16:
      throw .invalidRequest("input '\(name)' is \(dataType.rawValue), which has no typed contents; send raw_input_contents")
    }
  }
}
