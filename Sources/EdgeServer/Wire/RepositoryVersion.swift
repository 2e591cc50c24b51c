public import EdgeProto
import EdgeRuntime
public import GRPCCore

/// The `version` parameter of a repository load or unload (a string or an integer, as Triton's
/// `ModelRepositoryParameter` allows): one version instead of the model's served set.
public enum RepositoryVersion {
  public static let parameter = "version"

  /// The version asked for, nil for the whole model; anything but a non-negative integer is the
  /// caller's error.
  public static func from(_ parameters: [String: Inference_ModelRepositoryParameter]) throws(RPCError) -> Int? {
    guard let value = parameters[parameter] else { return nil }
    let number: Int? =
      switch value.parameterChoice {
      case .stringParam(let text): Int(text)
      case .int64Param(let integer): Int(exactly: integer)
      default: nil
      }
    guard let number, number >= 0 else {
      throw RPCError(code: .invalidArgument, message: "parameter 'version' must be a version number")
    }
    return number
  }
}
