package import GRPCCore
import GRPCNIOTransportHTTP2
import X509

/// The DNS names in the certificate a caller presented over mutual TLS; nil over plaintext,
/// where there is no identity to check.
package enum PeerNames {
  package static func of(_ context: ServerContext) -> [String]? {
    guard let certificate = (context.transportSpecific as? HTTP2ServerTransport.Posix.Context)?.peerCertificate else {
      return nil
    }
    return (try? certificate.extensions.subjectAlternativeNames)?.compactMap { name -> String? in
      if case .dnsName(let dns) = name { return dns }
      return nil
    } ?? []
  }
}
