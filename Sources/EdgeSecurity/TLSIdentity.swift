public import GRPCNIOTransportHTTP2

/// The files one component presents and trusts: the cluster CA and, for mutual TLS, its own
/// certificate and key (PEM).
public struct TLSIdentity: Sendable, Equatable {
  public var caPath: String
  public var certificatePath: String?
  public var keyPath: String?
  /// How often a running component looks whether its certificate and key files were renewed
  /// (at a handshake, at most this often; see `CertificateFiles`).
  public var rotationCheckInterval: Duration = .seconds(1)

  public init(caPath: String, certificatePath: String? = nil, keyPath: String? = nil) {
    self.caPath = caPath
    self.certificatePath = certificatePath
    self.keyPath = keyPath
  }

  public var hasCertificate: Bool { certificatePath != nil && keyPath != nil }

  /// The certificate and key files, reread when they change.
  func certificateFiles(onEvent: (@Sendable (CertificateFiles.Event) -> Void)?) -> CertificateFiles? {
    guard let certificatePath, let keyPath else { return nil }
    return CertificateFiles(
      certificatePath: certificatePath, keyPath: keyPath, checkInterval: rotationCheckInterval, onEvent: onEvent)
  }

  /// Server side. With `requireClientCertificate`, only clients holding a certificate that
  /// chains to the cluster CA complete the handshake (mTLS); otherwise any TLS client may.
  /// A renewed certificate and key are served from the next connection on, without a restart.
  public func serverSecurity(
    requireClientCertificate: Bool, onCertificateEvent: (@Sendable (CertificateFiles.Event) -> Void)? = nil
  ) -> HTTP2ServerTransport.Posix.TransportSecurity {
    let chain: [TLSConfig.CertificateSource] = [.file(path: certificatePath!, format: .pem)]
    let key: TLSConfig.PrivateKeySource = .file(path: keyPath!, format: .pem)
    let reloader = certificateFiles(onEvent: onCertificateEvent)
    if requireClientCertificate {
      return .mTLS(certificateChain: chain, privateKey: key) { config in
        // The default trust store is the system's; cluster membership means our CA only.
        config.trustRoots = .certificates([.file(path: caPath, format: .pem)])
        config.clientCertificateVerification = .noHostnameVerification
        config.certificateReloader = reloader
      }
    }
    return .tls(certificateChain: chain, privateKey: key) { config in
      config.certificateReloader = reloader
    }
  }

  /// Client side: trusts the cluster CA only and presents a certificate when it has one (the
  /// renewed one from the next connection on).
  public func clientSecurity(
    onCertificateEvent: (@Sendable (CertificateFiles.Event) -> Void)? = nil
  ) -> HTTP2ClientTransport.Posix.TransportSecurity {
    let roots: TLSConfig.TrustRootsSource = .certificates([.file(path: caPath, format: .pem)])
    if let certificatePath, let keyPath {
      let reloader = certificateFiles(onEvent: onCertificateEvent)
      return .mTLS(
        certificateChain: [.file(path: certificatePath, format: .pem)],
        privateKey: .file(path: keyPath, format: .pem)
      ) { config in
        config.trustRoots = roots
        config.serverCertificateVerification = .fullVerification
        config.certificateReloader = reloader
      }
    }
    return .tls { config in
      config.trustRoots = roots
      config.serverCertificateVerification = .fullVerification
    }
  }
}
