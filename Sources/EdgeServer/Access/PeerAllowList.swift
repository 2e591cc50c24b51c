package import EdgeSecurity
public import GRPCCore

/// Lets in only callers whose certificate names one of `names` (an executor takes batches from
/// its own node, not from every holder of a cluster certificate); others are PERMISSION_DENIED.
/// Health checks are open to any cluster certificate; admin calls are left to AccessInterceptor,
/// which takes them from the routers and admin certificates whatever this list says.
public struct PeerAllowList: ServerInterceptor {
  public let names: Set<String>
  /// Behind a front (FrontListener): the caller's names are the ones it relays.
  public var trustsRelayedPeer = false

  public init(names: Set<String>) {
    self.names = names
  }

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>, context: ServerContext,
    next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    let call = CallClass.of(service: context.descriptor.service.fullyQualifiedService, method: context.descriptor.method)
    try check(call, presented: PeerNames.of(context, relayed: trustsRelayedPeer ? request.metadata : nil))
    return try await next(request, context)
  }

  /// Refuses a call of `call`'s class from a caller whose certificate names none of `names`
  /// (health checks, admin calls and callers without a certificate are not this check's).
  package func check(_ call: CallClass, presented: [String]?) throws(RPCError) {
    guard call != .health, call.scope != .admin, let presented else { return }
    guard presented.contains(where: names.contains) else {
      throw RPCError(
        code: .permissionDenied,
        message: "this server takes calls only from \(names.sorted().joined(separator: ", ")); the certificate presented names \(presented.joined(separator: ", "))")
    }
  }
}
