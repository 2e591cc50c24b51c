public import GRPCCore

/// Requires an API key (`authorization: Bearer <key>`) on every call to the router's client
/// listener except health checks, which load balancers make without one. Refusals are
/// UNAUTHENTICATED, or RESOURCE_EXHAUSTED with `grpc-retry-pushback-ms` for a key over its rate,
/// before anything is decoded further or routed.
public struct APIKeyInterceptor: ServerInterceptor {
  public let gate: APIKeyGate

  public init(gate: APIKeyGate) {
    self.gate = gate
  }

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>, context: ServerContext,
    next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    if context.descriptor.service.fullyQualifiedService == "grpc.health.v1.Health" {
      return try await next(request, context)
    }
    let authorization = request.metadata[stringValues: "authorization"].first(where: { _ in true })
    switch gate.authorize(authorization) {
    case .success:
      return try await next(request, context)
    case .failure(let refusal):
      throw RPCError(refusal)
    }
  }
}
