import Foundation
public import EdgeSecurity

extension TransportSecurityMode {
  /// TLS from certificate files, or plaintext when `insecure` is set; refuses a half-given
  /// identity or a missing file with a message that says which.
  public static func from(ca: String?, certificate: String?, key: String?, insecure: Bool) throws(ConfigurationError) -> Self {
    if insecure {
      return .plaintext
    }
    guard let ca else { throw ConfigurationError("--ca is required (or --insecure for plaintext)") }
    guard (certificate == nil) == (key == nil) else { throw ConfigurationError("--cert and --key go together") }
    for path in [ca, certificate, key].compactMap({ $0 }) where !FileManager.default.fileExists(atPath: path) {
      throw ConfigurationError("\(path) does not exist (make certificates with 'edgeinfer certs init')")
    }
    return .tls(TLSIdentity(caPath: ca, certificatePath: certificate, keyPath: key))
  }
}

/// A configuration a component cannot start with.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
  public var description: String
  public init(_ description: String) { self.description = description }
}
