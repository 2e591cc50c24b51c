public import Crypto
import SwiftASN1
public import X509

/// A leaf certificate with its private key, as PEM text ready to write.
public struct IssuedCertificate: Sendable {
  public let certificate: Certificate
  public let privateKey: P256.Signing.PrivateKey

  public func certificatePEM() throws -> String {
    try certificate.serializeAsPEM().pemString
  }

  public var privateKeyPEM: String { privateKey.pemRepresentation }
}
