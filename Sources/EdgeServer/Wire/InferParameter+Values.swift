public import EdgeProto

extension Inference_InferParameter {
  public static func string(_ value: String) -> Self {
    var parameter = Self()
    parameter.stringParam = value
    return parameter
  }

  public static func int64(_ value: Int64) -> Self {
    var parameter = Self()
    parameter.int64Param = value
    return parameter
  }

  public static func double(_ value: Double) -> Self {
    var parameter = Self()
    parameter.doubleParam = value
    return parameter
  }

  public static func bool(_ value: Bool) -> Self {
    var parameter = Self()
    parameter.boolParam = value
    return parameter
  }

  /// The parameter as text, whatever its kind, for printing.
  public var displayValue: String {
    switch parameterChoice {
    case .boolParam(let value): return String(value)
    case .int64Param(let value): return String(value)
    case .stringParam(let value): return value
    case .doubleParam(let value): return String(value)
    case .uint64Param(let value): return String(value)
    case nil: return ""
    }
  }
}
