public import NIOSSL
import NIOCertificateReloading

extension TLSIdentity {
  /// Client side for connections made on swift-nio directly (the router's data plane to nodes,
  /// NodeLink): the same trust and certificate as `clientSecurity`, HTTP/2 by ALPN. The
  /// certificate and key are read now (an unusable pair is an error here, not at the first
  /// handshake) and renewed ones are presented from the next connection on.
  public func nioClientConfiguration(
    onCertificateEvent: (@Sendable (CertificateFiles.Event) -> Void)? = nil
  ) throws -> TLSConfiguration {
    var config = TLSConfiguration.makeClientConfiguration()
    config.trustRoots = .file(caPath)
    config.certificateVerification = .fullVerification
    config.applicationProtocols = ["h2"]
    if let certificatePath, let keyPath, let files = certificateFiles(onEvent: onCertificateEvent) {
      let current = files.sslContextConfigurationOverride
      config.certificateChain = try current.certificateChain
        ?? NIOSSLCertificate.fromPEMFile(certificatePath).map { .certificate($0) }
      config.privateKey = try current.privateKey ?? .privateKey(NIOSSLPrivateKey(file: keyPath, format: .pem))
      config.setCertificateReloader(files)
    }
    return config
  }
}

extension TLSIdentity {
  /// Server side for listeners written on swift-nio directly (FrontListener): the certificate
  /// and key (renewed ones served from the next connection on), HTTP/2 by ALPN. With
  /// `requireClientCertificate`, only clients holding a certificate of the cluster CA complete
  /// the handshake (as `serverSecurity`); otherwise none is asked for.
  public func nioServerConfiguration(
    requireClientCertificate: Bool = false, onCertificateEvent: (@Sendable (CertificateFiles.Event) -> Void)? = nil
  ) throws -> TLSConfiguration {
    guard let certificatePath, let keyPath, let files = certificateFiles(onEvent: onCertificateEvent) else {
      throw NIOSSLError.failedToLoadCertificate
    }
    let current = files.sslContextConfigurationOverride
    var config = TLSConfiguration.makeServerConfiguration(
      certificateChain: try current.certificateChain ?? NIOSSLCertificate.fromPEMFile(certificatePath).map { .certificate($0) },
      privateKey: try current.privateKey ?? .privateKey(NIOSSLPrivateKey(file: keyPath, format: .pem)))
    config.applicationProtocols = ["h2"]
    config.setCertificateReloader(files)
    if requireClientCertificate {
      config.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caPath))
      config.certificateVerification = .noHostnameVerification
    }
    return config
  }
}
