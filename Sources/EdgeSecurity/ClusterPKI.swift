import Crypto
import Foundation
import SwiftASN1

/// The certificate folder of one cluster, as `edgeinfer certs init --out DIR` writes it:
///
///     ca.pem, ca-key.pem                the cluster CA (keep ca-key.pem offline in production)
///     router.pem, router-key.pem        SAN: router, localhost, 127.0.0.1, ::1, extra hosts
///     node-N.pem, node-N-key.pem        SAN: node-N (the node id), localhost, 127.0.0.1, ::1
///     client.pem, client-key.pem        a client identity for nodes that require mTLS
public struct ClusterPKI: Sendable {
  public let directory: String

  public init(directory: String) {
    self.directory = directory
  }

  public var caCertificatePath: String { "\(directory)/ca.pem" }
  public var caKeyPath: String { "\(directory)/ca-key.pem" }

  public func identity(_ name: String) -> TLSIdentity {
    TLSIdentity(
      caPath: caCertificatePath, certificatePath: "\(directory)/\(name).pem",
      keyPath: "\(directory)/\(name)-key.pem")
  }

  /// Writes a new CA and leaf certificates for a router, `nodes` nodes and a client.
  /// `extraHosts` are added to every leaf's SANs (container service names, public DNS names).
  @discardableResult
  public func initialise(nodes: Int, extraHosts: [String] = [], force: Bool = false) throws -> [String] {
    let manager = FileManager.default
    if manager.fileExists(atPath: caCertificatePath) && !force { throw PKIError.outputExists(caCertificatePath) }
    try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let authority = try CertificateAuthority.create()
    try write(try authority.certificate.serializeAsPEM().pemString, to: caCertificatePath, secret: false)
    try write(authority.privateKey.pemRepresentation, to: caKeyPath, secret: true)
    var written = [caCertificatePath]
    let names = ["router", "client"] + (0..<nodes).map { "node-\($0 + 1)" }
    for name in names {
      written.append(try issueLeaf(name: name, extraHosts: extraHosts, authority: authority).certificatePath!)
    }
    return written
  }

  /// Issues one more leaf from the existing CA (a new node joining the cluster).
  public func issue(name: String, extraHosts: [String] = []) throws -> TLSIdentity {
    guard FileManager.default.fileExists(atPath: caKeyPath) else { throw PKIError.missingFile(caKeyPath) }
    let authority = try CertificateAuthority.load(certificatePath: caCertificatePath, keyPath: caKeyPath)
    return try issueLeaf(name: name, extraHosts: extraHosts, authority: authority)
  }

  /// Every leaf is valid for its own name, localhost and the loopback addresses, so the same
  /// files serve a local cluster and, with `extraHosts`, a deployed one.
  private func issueLeaf(name: String, extraHosts: [String], authority: CertificateAuthority) throws -> TLSIdentity {
    let hosts = extraHosts.filter { IPAddressBytes.parse($0) == nil }
    let addresses = ["127.0.0.1", "::1"] + extraHosts.filter { IPAddressBytes.parse($0) != nil }
    let issued = try authority.issue(dnsNames: [name, "localhost"] + hosts, ipAddresses: addresses)
    let identity = identity(name)
    try write(try issued.certificatePEM(), to: identity.certificatePath!, secret: false)
    try write(issued.privateKeyPEM, to: identity.keyPath!, secret: true)
    return identity
  }

  private func write(_ text: String, to path: String, secret: Bool) throws {
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    // Private keys readable by the owner only.
    try FileManager.default.setAttributes([.posixPermissions: secret ? 0o600 : 0o644], ofItemAtPath: path)
  }
}
