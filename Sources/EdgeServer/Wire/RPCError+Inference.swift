public import EdgeRuntime
import EdgeWire
public import EdgeRouting
public import EdgeSecurity
public import GRPCCore

/// The one place where domain errors become gRPC statuses.
extension RPCError {
  public init(_ error: InferenceError) {
    let code: RPCError.Code
    switch error {
    case .invalidRequest: code = .invalidArgument
    case .modelNotFound, .versionNotFound: code = .notFound
    case .modelNotReady, .unavailable: code = .unavailable
    case .limitExceeded: code = .resourceExhausted
    case .modelLoadFailed: code = .failedPrecondition
    case .executionFailed: code = .internalError
    }
    self.init(code: code, message: error.description)
    // About one model, not the node: routers take the node out of that model's ranking only.
    switch error {
    case .modelNotReady: self = markedAsModelCondition("not-ready")
    case .modelNotFound, .versionNotFound: self = markedAsModelCondition("not-found")
    default: break
    }
  }

  public init(_ error: SchedulingError) {
    switch error {
    case .queueFull(let model, let retryAfter):
      self = .overloaded(
        "the queue of model '\(model)' is full", retryAfterMilliseconds: max(1, Int(retryAfter.fractionalMilliseconds.rounded(.up))))
    case .cannotMeetDeadline(let model, let wait, let retryAfter):
      self = .overloaded(
        "model '\(model)' has about \((wait.fractionalMilliseconds).rounded()) ms of work queued, past the request's deadline",
        retryAfterMilliseconds: max(1, Int(retryAfter.fractionalMilliseconds.rounded(.up))))
    case .invalidPriority(let model, let level, let levels):
      self.init(code: .invalidArgument, message: "priority \(level) is not a level of model '\(model)' (1 to \(levels))")
    case .deadlineExceeded(let model, let waited):
      self.init(code: .deadlineExceeded, message: "deadline passed after \((waited.fractionalMilliseconds * 10).rounded() / 10) ms waiting for model '\(model)'")
    case .cancelled:
      self.init(code: .cancelled, message: "the client cancelled the request")
    case .failed(let error):
      self.init(error)
    }
  }

  public init(_ error: AccessError) {
    switch error {
    case .missingKey, .malformedKey, .unknownKey:
      self.init(code: .unauthenticated, message: error.description)
    case .rateLimited(_, let retryAfter):
      self = .overloaded(error.description, retryAfterMilliseconds: max(1, Int(retryAfter.fractionalMilliseconds.rounded(.up))))
    case .insufficientScope, .adminNeedsCredential, .adminOverPlaintext, .notAnAdminCertificate, .clusterCallOnClientListener:
      self.init(code: .permissionDenied, message: error.description)
    }
  }

  public init(_ refusal: ResidencyRefusal) {
    switch refusal {
    case .malformed: self.init(code: .invalidArgument, message: refusal.description)
    case .outsideKey, .transit: self.init(code: .permissionDenied, message: refusal.description)
    case .noNodeInBound: self.init(code: .failedPrecondition, message: refusal.description)
    }
  }

  /// Overload: RESOURCE_EXHAUSTED with the time after which a retry may succeed, in the
  /// `grpc-retry-pushback-ms` trailing metadata that gRPC clients and the router honour.
  public static func overloaded(_ message: String, retryAfterMilliseconds: Int) -> RPCError {
    var metadata = Metadata()
    metadata.addString(String(retryAfterMilliseconds), forKey: "grpc-retry-pushback-ms")
    return RPCError(code: .resourceExhausted, message: message, metadata: metadata)
  }
}

extension InferenceError {
  /// Runs `body`, turning domain errors into their gRPC statuses.
  package static func mapped<T>(_ body: () throws(InferenceError) -> T) throws(RPCError) -> T {
    do {
      return try body()
    } catch {
      throw RPCError(error)
    }
  }

  package static func mapped<T>(_ body: () async throws(InferenceError) -> T) async throws(RPCError) -> T {
    do {
      return try await body()
    } catch {
      throw RPCError(error)
    }
  }

  /// An executor's status, as the node tells its own clients: the executor is the node's
  /// business, so a dead one makes the node unavailable (the router fails over), and anything
  /// it refused is the node's bug, not the caller's, except input the model itself rejected.
  /// An executor that lacks the model (NOT_FOUND, or an answer it marked as about the model) is
  /// a condition of that model on this node, not of the node: the router takes the node out of
  /// that model's ranking only.
  package init(executorStatus error: RPCError, executor: String, model: String) {
    if error.code == .notFound || error.isModelCondition {
      self = .modelNotReady(model)
      return
    }
    switch error.code {
    case .unavailable, .deadlineExceeded, .cancelled, .unknown:
      self = .unavailable("executor \(executor) is unreachable: \(error.message)")
    case .invalidArgument:
      self = .invalidRequest(error.message)
    default:
      self = .executionFailed("executor \(executor): \(error.message)")
    }
  }
}
