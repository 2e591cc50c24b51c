public import GRPCCore

/// A unary method the front answers itself (FrontListener): the request message's bytes and
/// metadata in, the response message's bytes out, or an `RPCError` sent as the call's status.
/// Every other method is relayed to the process's gRPC server.
public struct FrontRoute: Sendable {
  /// `/package.Service/Method`.
  public var path: String
  public var handle: @Sendable (FrontCall) async throws -> [UInt8]

  public init(_ descriptor: MethodDescriptor, handle: @escaping @Sendable (FrontCall) async throws -> [UInt8]) {
    self.path = "/" + descriptor.fullyQualifiedMethod
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
}
