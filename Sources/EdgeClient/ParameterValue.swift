/// A response parameter as the server typed it (the Open Inference Protocol's InferParameter):
/// timings and counts stay numbers, so nothing is printed as text and parsed back.
public enum ParameterValue: Sendable, Equatable, CustomStringConvertible {
  case bool(Bool)
  case int64(Int64)
  case uint64(UInt64)
  case double(Double)
  case string(String)

  public var int64: Int64? {
    switch self {
    case .int64(let value): value
    case .uint64(let value): Int64(exactly: value)
    default: nil
    }
  }

  public var double: Double? {
    switch self {
    case .double(let value): value
    case .int64(let value): Double(value)
    case .uint64(let value): Double(value)
    default: nil
    }
  }

  public var string: String? {
    if case .string(let value) = self { value } else { nil }
  }

  public var description: String {
    switch self {
    case .bool(let value): String(value)
    case .int64(let value): String(value)
    case .uint64(let value): String(value)
    case .double(let value): String(value)
    case .string(let value): value
    }
  }
}
