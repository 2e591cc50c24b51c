public import GRPCNIOTransportHTTP2

/// TLS by default; plaintext only when a person asked for it with `--insecure`.
public enum TransportSecurityMode: Sendable, Equatable {
  case tls(TLSIdentity)
  case plaintext

  public func server(requireClientCertificate: Bool) -> HTTP2ServerTransport.Posix.TransportSecurity {
    switch self {
    case .tls(let identity): return identity.serverSecurity(requireClientCertificate: requireClientCertificate)
    case .plaintext: return .plaintext
    }
  }

  public func client() -> HTTP2ClientTransport.Posix.TransportSecurity {
    switch self {
    case .tls(let identity): return identity.clientSecurity()
    case .plaintext: return .plaintext
    }
  }
}
