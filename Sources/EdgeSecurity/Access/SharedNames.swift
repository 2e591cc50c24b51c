import Foundation
import SwiftASN1
import X509

/// Names that identify no one: those in a component's own certificate that every leaf of the
/// cluster carries (`localhost`, `--host` names), its own name, and the names of the client and
/// admin certificates `certs init` makes. A node may not register under one, and a router id
/// that is one is not taken as a router's name.
public enum SharedNames {
  /// The DNS names in the certificate at `path`, plus `client`, `admin` and the loopback names;
  /// the loopback names alone when there is no certificate (plaintext).
  public static func of(certificateAt path: String?) -> Set<String> {
    var names: Set<String> = ["localhost", "127.0.0.1", "::1", "client", "admin"]
    guard let path, let pem = try? String(contentsOfFile: path, encoding: .utf8),
      let certificate = try? Certificate(pemEncoded: pem),
      let alternatives = try? certificate.extensions.subjectAlternativeNames
    else { return names }
    for name in alternatives {
      if case .dnsName(let dns) = name { names.insert(dns) }
    }
    return names
  }
}
