public import GRPCCore

extension RPCError.Code {
  /// The HTTP status a REST client gets for this gRPC status: the one mapping of the two, so a
  /// call fails the same way whichever binding carried it.
  package var httpStatus: Int {
    switch self {
    case .invalidArgument, .failedPrecondition, .outOfRange: 400
    case .unauthenticated: 401
    case .permissionDenied: 403
    case .notFound: 404
    case .alreadyExists, .aborted: 409
    case .resourceExhausted: 429
    case .cancelled: 499
    case .unimplemented: 501
    case .unavailable: 503
    case .deadlineExceeded: 504
    default: 500
    }
  }
}
