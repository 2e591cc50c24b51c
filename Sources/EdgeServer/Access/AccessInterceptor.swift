import EdgeProto
import EdgeRouting
public import EdgeSecurity
public import GRPCCore

/// The access check in front of every service of a listener: authenticates the caller (an API
/// key on a router's client listener that requires them, the certificate presented over mutual
/// TLS), asks the listener's AccessPolicy whether that credential may make the call, audits
/// every admin call and every refused one, and runs the handler with the caller in
/// `Caller.current`. Refusals happen before the request is routed or run: UNAUTHENTICATED,
/// PERMISSION_DENIED, or RESOURCE_EXHAUSTED with `grpc-retry-pushback-ms` for a key over its
/// rate.
public struct AccessInterceptor: ServerInterceptor {
  public let policy: AccessPolicy
  /// The key file, on a client listener started with `--api-keys`.
  public let keys: APIKeyGate?
  public let audit: AuditLog?
  /// On a node: the routers it is registered with, learned as it registers.
  public let routers: RouterNames?

  public init(policy: AccessPolicy, keys: APIKeyGate? = nil, audit: AuditLog? = nil, routers: RouterNames? = nil) {
    self.policy = policy
    self.keys = keys
    self.audit = audit
    self.routers = routers
  }

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>, context: ServerContext,
    next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    let service = context.descriptor.service.fullyQualifiedService
    let call = CallClass.of(service: service, method: context.descriptor.method)
    if call == .health { return try await next(request, context) }
    let method = "\(service)/\(context.descriptor.method)"
    let audited = call.scope == .admin
    var request = request
    var target: (model: String, version: String) = ("", "")
    /// Admin calls are unary: their one message names the model for the audit record. Read
    /// only once the caller is authenticated, so an unknown caller never gets a message decoded.
    func readTarget() async throws {
      var iterator = request.messages.makeAsyncIterator()
      let message = try await iterator.next()
      if let named = message as? any AuditedRequest { target = (named.auditedModel, named.auditedVersion) }
      request = StreamingServerRequest(
        metadata: request.metadata,
        messages: RPCAsyncSequence(
          wrapping: AsyncThrowingStream<Input, any Error> { continuation in
            if let message { continuation.yield(message) }
            continuation.finish()
          }))
    }
    func record(_ result: String, _ credential: Credential) {
      guard audited, let audit else { return }
      audit.write(
        AuditRecord(
          credential: credential.name, peer: context.remotePeer, listener: policy.listener.rawValue, method: method,
          model: target.model, version: target.version, result: result))
    }

    var credential = Credential.anonymous
    var keyRegions: ResidencyBound?
    if let keys, policy.listener == .client {
      let authorization = request.metadata[stringValues: "authorization"].first(where: { _ in true })
      switch keys.authorize(authorization) {
      case .success(let key):
        credential = .key(name: key.name, scope: key.effectiveScope)
        keyRegions = key.regions.flatMap { ResidencyBound($0) }
      case .failure(let refusal):
        let error = RPCError(refusal)
        record(Self.result(error), credential)
        throw error
      }
    } else if let names = PeerNames.of(context) {
      credential = .certificate(names: names)
    }
    if audited { try await readTarget() }
    var effective = policy
    if let routers { effective.routerNames = routers.current }
    if case .failure(let refusal) = effective.decide(call, method: context.descriptor.method, credential: credential) {
      let error = RPCError(refusal)
      record(Self.result(error), credential)
      throw error
    }
    let caller = Caller(
      credential: credential, keyRegions: keyRegions, peer: context.remotePeer,
      askedResidency: Array(request.metadata[stringValues: RequestMetadata.residency]))
    guard audited else {
      return try await Caller.$current.withValue(caller) { try await next(request, context) }
    }
    do {
      let response = try await Caller.$current.withValue(caller) { try await next(request, context) }
      if case .failure(let error) = response.accepted {
        record(Self.result(error), credential)
      } else {
        record("OK", credential)
      }
      return response
    } catch {
      record(Self.result(error), credential)
      throw error
    }
  }

  package static func result(_ error: any Error) -> String {
    guard let error = error as? RPCError else { return "UNKNOWN: \(error)" }
    return "\(error.code.auditName): \(error.message)"
  }
}

extension RPCError.Code {
  /// The status's canonical name (`PERMISSION_DENIED`), as gRPC documents it.
  package var auditName: String {
    String(describing: self).reduce(into: "") { name, character in
      if character.isUppercase, !name.isEmpty { name.append("_") }
      name.append(character.uppercased())
    }
  }
}

/// A request that names the model it acts on, for the audit record.
protocol AuditedRequest {
  var auditedModel: String { get }
  var auditedVersion: String { get }
}

extension Inference_RepositoryModelLoadRequest: AuditedRequest {
  package var auditedModel: String { modelName }
  package var auditedVersion: String { (try? RepositoryVersion.from(parameters)).flatMap { $0.map(String.init) } ?? "" }
}

extension Inference_RepositoryModelUnloadRequest: AuditedRequest {
  package var auditedModel: String { modelName }
  package var auditedVersion: String { (try? RepositoryVersion.from(parameters)).flatMap { $0.map(String.init) } ?? "" }
}

extension Edgeinfer_V1_LoadModelRequest: AuditedRequest {
  package var auditedModel: String { modelName }
  package var auditedVersion: String { version }
}

extension Edgeinfer_V1_UnloadModelRequest: AuditedRequest {
  package var auditedModel: String { modelName }
  package var auditedVersion: String { version }
}
