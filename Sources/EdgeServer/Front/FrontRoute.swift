public import GRPCCore

/// A unary method the front answers itself (FrontListener): the request message's bytes and
/// metadata in, the response message's bytes out, or an `RPCError` sent as the call's status.
/// Every other method is relayed to the process's gRPC server.
public struct FrontRoute: Sendable {
  /// `/package.Service/Method`.
  public var path: String
  /// The access check, run as soon as the request's headers arrive (the call's `message` is
  /// still empty): the caller to run the call as, or the refusal. A refused caller's body is
  /// never held.
  public var admit: @Sendable (FrontCall) throws -> Caller
  /// The call, once its request is whole, with the caller `admit` answered.
  public var handle: @Sendable (FrontCall, Caller) async throws -> [UInt8]

  public init(
    _ descriptor: MethodDescriptor, admit: @escaping @Sendable (FrontCall) throws -> Caller,
    handle: @escaping @Sendable (FrontCall, Caller) async throws -> [UInt8]
  ) {
    self.path = "/" + descriptor.fullyQualifiedMethod
    self.admit = admit
    self.handle = handle
  }
}

/// One call as a FrontRoute receives it.
public struct FrontCall: Sendable {
  /// The method's descriptor, as the access check wants it.
  public var descriptor: MethodDescriptor
  public var message: [UInt8]
  /// The request's custom metadata (HTTP/2 pseudo-headers and transport headers left out,
  /// `grpc-timeout` kept).
  public var metadata: Metadata
  /// The caller's address, as gRPC writes it (`ipv4:127.0.0.1:50000`).
  public var peer: String
  /// The DNS names of the certificate the caller presented over mutual TLS; nil without one.
  public var peerNames: [String]?
}
