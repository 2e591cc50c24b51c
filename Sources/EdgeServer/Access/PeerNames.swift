package import GRPCCore
import GRPCNIOTransportHTTP2
package import X509

/// The DNS names in the certificate a caller presented over mutual TLS; nil over plaintext,
/// where there is no identity to check.
package enum PeerNames {
  package static func of(_ context: ServerContext) -> [String]? {
    guard let certificate = (context.transportSpecific as? HTTP2ServerTransport.Posix.Context)?.peerCertificate else {
      return nil
    }
    return of(certificate)
  }

  /// The DNS names of a certificate's subject alternative names. A name with a comma is no DNS
  /// name and is left out: names are relayed comma-separated (`relayedKey`), where it would read
  /// as two.
  package static func of(_ certificate: Certificate) -> [String] {
    (try? certificate.extensions.subjectAlternativeNames)?.compactMap { name -> String? in
      if case .dnsName(let dns) = name, !dns.contains(",") { return dns }
      return nil
    } ?? []
  }

  /// Metadata that carries a relayed caller's certificate names from the front
  /// (FrontListener) to the gRPC server behind it, comma-separated; absent when the caller
  /// presented no certificate. A caller's own value never passes the front.
  package static let relayedKey = "x-edge-peer-names"

  /// The names of a caller: from the front's metadata on a server behind it (`relayed`), else
  /// from the certificate the transport saw.
  package static func of(_ context: ServerContext, relayed metadata: Metadata?) -> [String]? {
    if let metadata {
      guard let text = metadata[stringValues: relayedKey].first(where: { _ in true }) else { return nil }
      return text.split(separator: ",").map(String.init)
    }
    return of(context)
  }
}
