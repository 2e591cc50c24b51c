public import GRPCCore

/// Lets in only callers whose certificate names one of `names` (an executor takes batches from
/// its own node, not from every holder of a cluster certificate); others are PERMISSION_DENIED.
/// Health checks are open to any cluster certificate.
public struct PeerAllowList: ServerInterceptor {
  public let names: Set<String>

  public init(names: Set<String>) {
    self.names = names
  }

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>, context: ServerContext,
    next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    guard context.descriptor.service.fullyQualifiedService != "grpc.health.v1.Health",
      let presented = PeerNames.of(context)
    else { return try await next(request, context) }
    guard presented.contains(where: names.contains) else {
      throw RPCError(
        code: .permissionDenied,
        message: "this server takes calls only from \(names.sorted().joined(separator: ", ")); the certificate presented names \(presented.joined(separator: ", "))")
    }
    return try await next(request, context)
  }
}
