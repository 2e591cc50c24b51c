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
  /// Behind a front (FrontListener), whose relayed calls all come from one local socket: the
  /// caller's address and certificate names are the ones the front puts in the metadata (it
  /// drops whatever the caller wrote there itself).
  public var trustsRelayedPeer = false
  /// Told each refusal's cause (metrics count them by reason).
  public var onRefusal: @Sendable (AccessError) -> Void = { _ in }

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
          credential: credential.name, peer: peer(of: request.metadata, context: context), listener: policy.listener.rawValue, method: method,
          model: target.model, version: target.version, result: result))
    }

    var credential = Credential.anonymous
    var keyRegions: ResidencyBound?
    switch authenticate(request.metadata, peerNames: PeerNames.of(context, relayed: trustsRelayedPeer ? request.metadata : nil)) {
    case .success(let admitted):
      (credential, keyRegions) = admitted
    case .failure(let error):
      record(Self.result(error), credential)
      throw error
    }
    if audited { try await readTarget() }
    var effective = policy
    if let routers { effective.routerNames = routers.current }
    if case .failure(let refusal) = effective.decide(call, method: context.descriptor.method, credential: credential) {
      onRefusal(refusal)
      let error = RPCError(refusal)
      record(Self.result(error), credential)
      throw error
    }
    let caller = Caller(
      credential: credential, keyRegions: keyRegions, peer: peer(of: request.metadata, context: context),
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

  /// Who is calling: the API key on a client listener that has keys, else the certificate
  /// presented over mutual TLS, else nobody in particular.
  private func authenticate(_ metadata: Metadata, peerNames: [String]?) -> Result<(Credential, ResidencyBound?), RPCError> {
    if let keys, policy.listener == .client {
      let authorization = metadata[stringValues: "authorization"].first(where: { _ in true })
      switch keys.authorize(authorization) {
      case .success(let key):
        return .success((.key(name: key.name, scope: key.effectiveScope), key.regions.flatMap { ResidencyBound($0) }))
      case .failure(let refusal):
        onRefusal(refusal)
        return .failure(RPCError(refusal))
      }
    }
    if let peerNames { return .success((.certificate(names: peerNames), nil)) }
    return .success((.anonymous, nil))
  }

  private func peer(of metadata: Metadata, context: ServerContext) -> String {
    guard trustsRelayedPeer else { return context.remotePeer }
    return metadata[stringValues: FrontListener.peerKey].first(where: { _ in true }) ?? context.remotePeer
  }

  /// The access check for a call the front answers itself (an inference call: never audited):
  /// the caller to run it as, or the refusal.
  package func admit(_ call: FrontCall) throws(RPCError) -> Caller {
    let service = call.descriptor.service.fullyQualifiedService
    let callClass = CallClass.of(service: service, method: call.descriptor.method)
    precondition(callClass.scope != .admin, "the front answers no admin call")
    // As in `intercept`: health checks are open to anyone who reaches the listener.
    if callClass == .health { return Caller(credential: .anonymous, keyRegions: nil, peer: call.peer, askedResidency: []) }
    let (credential, keyRegions) = try authenticate(call.metadata, peerNames: call.peerNames).get()
    var effective = policy
    if let routers { effective.routerNames = routers.current }
    if case .failure(let refusal) = effective.decide(callClass, method: call.descriptor.method, credential: credential) {
      onRefusal(refusal)
      throw RPCError(refusal)
    }
    return Caller(
      credential: credential, keyRegions: keyRegions, peer: call.peer,
      askedResidency: Array(call.metadata[stringValues: RequestMetadata.residency]))
  }

  package static func result(_ error: any Error) -> String {
    guard let error = error as? RPCError else { return "UNKNOWN: \(error)" }
    return "\(error.code.canonicalName): \(error.message)"
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
