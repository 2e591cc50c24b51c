public import GRPCNIOTransportHTTP2

/// TLS by default; plaintext only when a person asked for it with `--insecure`.
public enum TransportSecurityMode: Sendable, Equatable {
  case tls(TLSIdentity)
  case plaintext

  public func server(
    requireClientCertificate: Bool, onCertificateEvent: (@Sendable (CertificateFiles.Event) -> Void)? = nil
  ) -> HTTP2ServerTransport.Posix.TransportSecurity {
    switch self {
    case .tls(let identity):
      return identity.serverSecurity(requireClientCertificate: requireClientCertificate, onCertificateEvent: onCertificateEvent)
    case .plaintext: return .plaintext
    }
  }

  public func client(
    onCertificateEvent: (@Sendable (CertificateFiles.Event) -> Void)? = nil
  ) -> HTTP2ClientTransport.Posix.TransportSecurity {
    switch self {
    case .tls(let identity): return identity.clientSecurity(onCertificateEvent: onCertificateEvent)
    case .plaintext: return .plaintext
    }
  }
}
