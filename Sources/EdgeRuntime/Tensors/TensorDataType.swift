public import EdgeProto

/// Element types of the Open Inference Protocol, by their protocol names.
public enum TensorDataType: String, Sendable, CaseIterable {
  case bool = "BOOL"
  case uint8 = "UINT8"
  case uint16 = "UINT16"
  case uint32 = "UINT32"
  case uint64 = "UINT64"
  case int8 = "INT8"
  case int16 = "INT16"
  case int32 = "INT32"
  case int64 = "INT64"
  case fp16 = "FP16"
  case bf16 = "BF16"
  case fp32 = "FP32"
  case fp64 = "FP64"
  /// Variable-length byte strings, each prefixed by its length as a little-endian UInt32.
  case bytes = "BYTES"

  /// Bytes per element; nil for BYTES, whose elements vary in size.
  public var elementSize: Int? {
    switch self {
    case .bool, .uint8, .int8: return 1
    case .uint16, .int16, .fp16, .bf16: return 2
    case .uint32, .int32, .fp32: return 4
    case .uint64, .int64, .fp64: return 8
    case .bytes: return nil
    }
  }

  /// The type as a model configuration names it (`TYPE_FP32` is `FP32`, `TYPE_STRING` is BYTES).
  public init?(_ configType: Inference_DataType) {
    switch configType {
    case .typeBool: self = .bool
    case .typeUint8: self = .uint8
    case .typeUint16: self = .uint16
    case .typeUint32: self = .uint32
    case .typeUint64: self = .uint64
    case .typeInt8: self = .int8
    case .typeInt16: self = .int16
    case .typeInt32: self = .int32
    case .typeInt64: self = .int64
    case .typeFp16: self = .fp16
    case .typeBf16: self = .bf16
    case .typeFp32: self = .fp32
    case .typeFp64: self = .fp64
    case .typeString: self = .bytes
    case .typeInvalid, .UNRECOGNIZED: return nil
    }
  }
}
