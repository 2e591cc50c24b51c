public import Crypto
public import Foundation
import SwiftASN1
public import X509

/// The cluster's private certificate authority: one P-256 key that signs every component's
/// leaf certificate, so that "belongs to the cluster" means "chains to this CA".
public struct CertificateAuthority: Sendable {
  public let certificate: Certificate
  public let privateKey: P256.Signing.PrivateKey

  /// Makes a new self-signed CA.
  public static func create(
    commonName: String = "EdgeInfer Cluster CA", validity: TimeInterval = 365 * 86_400, now: Date = Date()
  ) throws -> CertificateAuthority {
    let key = P256.Signing.PrivateKey()
    let name = try DistinguishedName {
      OrganizationName("EdgeInfer")
      CommonName(commonName)
    }
    let publicKey = Certificate.PublicKey(key.publicKey)
    let certificate = try Certificate(
      version: .v3,
      serialNumber: Certificate.SerialNumber(),
      publicKey: publicKey,
      notValidBefore: now - 300,
      notValidAfter: now + validity,
      issuer: name,
      subject: name,
      signatureAlgorithm: .ecdsaWithSHA256,
      extensions: try Certificate.Extensions {
        Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
        Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
        SubjectKeyIdentifier(hash: publicKey)
      },
      issuerPrivateKey: Certificate.PrivateKey(key)
    )
    return CertificateAuthority(certificate: certificate, privateKey: key)
  }

  /// Loads a CA from its PEM certificate and PKCS#8 PEM key.
  public static func load(certificatePath: String, keyPath: String) throws -> CertificateAuthority {
    let certificate = try Certificate(pemEncoded: String(contentsOfFile: certificatePath, encoding: .utf8))
    let key = try P256.Signing.PrivateKey(pemRepresentation: String(contentsOfFile: keyPath, encoding: .utf8))
    return CertificateAuthority(certificate: certificate, privateKey: key)
  }

  /// Issues a leaf certificate usable both as a TLS server and a TLS client (every component is
  /// both: nodes serve inference and call routers). `dnsNames` and `ipAddresses` become the
  /// subject alternative names; the first DNS name is also the common name, and for nodes it is
  /// the node id that the router binds registrations to.
  public func issue(
    dnsNames: [String], ipAddresses: [String] = [], validity: TimeInterval = 365 * 86_400, now: Date = Date()
  ) throws -> IssuedCertificate {
    precondition(!dnsNames.isEmpty, "a leaf certificate needs at least one DNS name")
    let key = P256.Signing.PrivateKey()
    let subject = try DistinguishedName {
      OrganizationName("EdgeInfer")
      CommonName(dnsNames[0])
    }
    var names = dnsNames.map { GeneralName.dnsName($0) }
    for address in ipAddresses {
      guard let bytes = IPAddressBytes.parse(address) else { throw PKIError.invalidIPAddress(address) }
      names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes))))
    }
    let publicKey = Certificate.PublicKey(key.publicKey)
    let authorityKeyID = try certificate.extensions.subjectKeyIdentifier?.keyIdentifier
    let certificate = try Certificate(
      version: .v3,
      serialNumber: Certificate.SerialNumber(),
      publicKey: publicKey,
      notValidBefore: now - 300,
      notValidAfter: now + validity,
      issuer: self.certificate.subject,
      subject: subject,
      signatureAlgorithm: .ecdsaWithSHA256,
      extensions: try Certificate.Extensions {
        Critical(BasicConstraints.notCertificateAuthority)
        Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
        try ExtendedKeyUsage([.serverAuth, .clientAuth])
        SubjectAlternativeNames(names)
        SubjectKeyIdentifier(hash: publicKey)
        AuthorityKeyIdentifier(keyIdentifier: authorityKeyID)
      },
      issuerPrivateKey: Certificate.PrivateKey(privateKey)
    )
    return IssuedCertificate(certificate: certificate, privateKey: key)
  }
}
