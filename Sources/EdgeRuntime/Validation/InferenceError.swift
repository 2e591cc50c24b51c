/// Why an inference request or a model operation failed, in the domain's terms. EdgeServer maps
/// each case to one gRPC status in a single place.
public enum InferenceError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The request does not match the model's configuration.
  case invalidRequest(String)
  case modelNotFound(String)
  case versionNotFound(model: String, version: String)
  /// The model exists but is not loaded or is still loading.
  case modelNotReady(String)
  /// The request exceeds a configured limit (message size, elements, batch).
  case limitExceeded(String)
  /// A model file or configuration could not be loaded.
  case modelLoadFailed(model: String, reason: String)
  /// No node or executor could take the request now.
  case unavailable(String)
  /// The model ran but failed; a bug or a corrupt model, never the caller's fault.
  case executionFailed(String)

  public var description: String {
    switch self {
    case .invalidRequest(let reason): return reason
    case .modelNotFound(let model): return "model '\(model)' is not in the repository"
    case .versionNotFound(let model, let version): return "model '\(model)' has no version '\(version)'"
    case .modelNotReady(let model): return "model '\(model)' is not ready"
    case .limitExceeded(let reason): return reason
    case .modelLoadFailed(let model, let reason): return "model '\(model)' failed to load: \(reason)"
    case .unavailable(let reason): return reason
    case .executionFailed(let reason): return "execution failed: \(reason)"
    }
  }
}
