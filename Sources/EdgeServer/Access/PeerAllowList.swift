import EdgeSecurity
public import GRPCCore

/// Lets in only callers whose certificate names one of `names` (an executor takes batches from
/// its own node, not from every holder of a cluster certificate); others are PERMISSION_DENIED.
/// Health checks are open to any cluster certificate; admin calls are left to AccessInterceptor,
/// which takes them from the routers and admin certificates whatever this list says.
public struct PeerAllowList: ServerInterceptor {
  public let names: Set<String>

  public init(names: Set<String>) {
    self.names = names
  }

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>, context: ServerContext,
    next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    let call = CallClass.of(service: context.descriptor.service.fullyQualifiedService, method: context.descriptor.method)
    guard call != .health, call.scope != .admin, let presented = PeerNames.of(context)
    else { return try await next(request, context) }
    guard presented.contains(where: names.contains) else {
      throw RPCError(
        code: .permissionDenied,
        message: "this server takes calls only from \(names.sorted().joined(separator: ", ")); the certificate presented names \(presented.joined(separator: ", "))")
    }
    return try await next(request, context)
  }
}
