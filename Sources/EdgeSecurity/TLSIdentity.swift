public import GRPCNIOTransportHTTP2

/// The files one component presents and trusts: the cluster CA and, for mutual TLS, its own
/// certificate and key (PEM).
public struct TLSIdentity: Sendable, Equatable {
  public var caPath: String
  public var certificatePath: String?
  public var keyPath: String?

  public init(caPath: String, certificatePath: String? = nil, keyPath: String? = nil) {
    self.caPath = caPath
    self.certificatePath = certificatePath
    self.keyPath = keyPath
  }

  public var hasCertificate: Bool { certificatePath != nil && keyPath != nil }

  /// Server side. With `requireClientCertificate`, only clients holding a certificate that
  /// chains to the cluster CA complete the handshake (mTLS); otherwise any TLS client may.
  public func serverSecurity(requireClientCertificate: Bool) -> HTTP2ServerTransport.Posix.TransportSecurity {
    let chain: [TLSConfig.CertificateSource] = [.file(path: certificatePath!, format: .pem)]
    let key: TLSConfig.PrivateKeySource = .file(path: keyPath!, format: .pem)
    if requireClientCertificate {
      return .mTLS(certificateChain: chain, privateKey: key) { config in
        // The default trust store is the system's; cluster membership means our CA only.
        config.trustRoots = .certificates([.file(path: caPath, format: .pem)])
        config.clientCertificateVerification = .noHostnameVerification
      }
    }
    return .tls(certificateChain: chain, privateKey: key)
  }

  /// Client side: trusts the cluster CA only and presents a certificate when it has one.
  public func clientSecurity() -> HTTP2ClientTransport.Posix.TransportSecurity {
    let roots: TLSConfig.TrustRootsSource = .certificates([.file(path: caPath, format: .pem)])
    if let certificatePath, let keyPath {
      return .mTLS(
        certificateChain: [.file(path: certificatePath, format: .pem)],
        privateKey: .file(path: keyPath, format: .pem)
      ) { config in
        config.trustRoots = roots
        config.serverCertificateVerification = .fullVerification
      }
    }
    return .tls { config in
      config.trustRoots = roots
      config.serverCertificateVerification = .fullVerification
    }
  }
}
