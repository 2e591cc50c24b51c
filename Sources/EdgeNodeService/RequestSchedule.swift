public import EdgeProto
public import EdgeRuntime
import EdgeServer

/// Triton's schedule-policy request parameters: `priority` (a level, 0 for the model's default)
/// and `timeout` (microseconds in the queue, where the model's queue policy allows overriding).
public struct RequestSchedule: Sendable, Equatable {
  public var priority: Int?
  public var timeout: Duration?

  public init(priority: Int? = nil, timeout: Duration? = nil) {
    self.priority = priority
    self.timeout = timeout
  }

  public init(parameters: [String: Inference_InferParameter]) throws(InferenceError) {
    self.init()
    if let parameter = parameters["priority"] {
      priority = Int(clamping: try Self.count(parameter, name: "priority"))
    }
    if let parameter = parameters["timeout"] {
      let microseconds = try Self.count(parameter, name: "timeout")
      timeout = microseconds == 0 ? nil : .microseconds(Int64(clamping: microseconds))
    }
  }

  /// A non-negative integer parameter, sent as int64 or uint64 (Triton's clients use either).
  static func count(_ parameter: Inference_InferParameter, name: String) throws(InferenceError) -> UInt64 {
    switch parameter.parameterChoice {
    case .int64Param(let value) where value >= 0: return UInt64(value)
    case .uint64Param(let value): return value
    default:
      throw .invalidRequest("request parameter '\(name)' must be a non-negative integer, not '\(parameter.displayValue)'")
    }
  }
}
