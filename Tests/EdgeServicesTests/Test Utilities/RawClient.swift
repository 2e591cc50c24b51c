import EdgeSecurity
import GRPCCore
import GRPCNIOTransportHTTP2

/// A bare gRPC client for calling generated stubs directly, with any security, so tests can
/// play misbehaving peers.
enum RawClient {
  static func with<Result: Sendable>(
    _ address: ServiceAddress, security: HTTP2ClientTransport.Posix.TransportSecurity,
    _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
  ) async throws -> Result {
    let transport = try HTTP2ClientTransport.Posix(
      target: address.target, transportSecurity: security,
      config: .defaults { $0.backoff.max = .milliseconds(100) })
    return try await withGRPCClient(transport: transport) { client in try await body(client) }
  }

  /// The status a call ended with; nil when it succeeded (an error that is not gRPC's: UNKNOWN).
  static func code(_ body: () async throws -> Void) async -> RPCError.Code? {
    do {
      try await body()
      return nil
    } catch let error as RPCError {
      return error.code
    } catch {
      return .unknown
    }
  }

  static var shortCall: CallOptions {
    var options = CallOptions.defaults
    options.timeout = .seconds(3)
    return options
  }
}
