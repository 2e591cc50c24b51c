import Crypto
public import Foundation
import SwiftASN1

/// The certificate folder of one cluster, as `edgeinfer certs init --out DIR` writes it:
///
///     ca.pem, ca-key.pem                the cluster CA (keep ca-key.pem offline in production)
///     router.pem, router-key.pem        SAN: router, localhost, 127.0.0.1, ::1, extra hosts
///     node-N.pem, node-N-key.pem        SAN: node-N (the node id), localhost, 127.0.0.1, ::1
///     client.pem, client-key.pem        a client identity for nodes that require mTLS
///     admin.pem, admin-key.pem          the operator's identity for admin calls (SAN: admin)
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

  /// Writes a new CA and leaf certificates for `routers` routers (router, router-2, …), `nodes`
  /// nodes (node-1, …), a client and an admin (the operator, for repository changes and usage). Each names only its own component (and the loopback
  /// names), so one component's certificate cannot pass for another's; `extraHosts` are added to
  /// every leaf's SANs (public DNS names shared by all).
  @discardableResult
  public func initialise(nodes: Int, routers: Int = 1, extraHosts: [String] = [], force: Bool = false) throws -> [String] {
    let manager = FileManager.default
    if manager.fileExists(atPath: caCertificatePath) && !force { throw PKIError.outputExists(caCertificatePath) }
    try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let authority = try CertificateAuthority.create()
    try write(try authority.certificate.serializeAsPEM().pemString, to: caCertificatePath, secret: false)
    try write(authority.privateKey.pemRepresentation, to: caKeyPath, secret: true)
    var written = [caCertificatePath]
    let names = (0..<routers).map(Self.routerName) + ["client", "admin"] + (0..<nodes).map { "node-\($0 + 1)" }
    for name in names {
      written.append(try issueLeaf(name: name, extraHosts: extraHosts, authority: authority).certificatePath!)
    }
    return written
  }

  /// The certificate name of the `index`th router (from 0): router, router-2, router-3, …
  public static func routerName(_ index: Int) -> String {
    index == 0 ? "router" : "router-\(index + 1)"
  }

  /// Issues one more leaf from the existing CA (a new node joining the cluster), or a renewal of
  /// an existing one: running components take the new files without a restart
  /// (`CertificateFiles`).
  public func issue(
    name: String, extraHosts: [String] = [], validity: TimeInterval = 365 * 86_400, now: Date = Date()
  ) throws -> TLSIdentity {
    guard FileManager.default.fileExists(atPath: caKeyPath) else { throw PKIError.missingFile(caKeyPath) }
    let authority = try CertificateAuthority.load(certificatePath: caCertificatePath, keyPath: caKeyPath)
    return try issueLeaf(name: name, extraHosts: extraHosts, validity: validity, now: now, authority: authority)
  }

  /// Every leaf is valid for its own name, localhost and the loopback addresses, so the same
  /// files serve a local cluster and, with `extraHosts`, a deployed one.
  private func issueLeaf(
    name: String, extraHosts: [String], validity: TimeInterval = 365 * 86_400, now: Date = Date(),
    authority: CertificateAuthority
  ) throws -> TLSIdentity {
    let hosts = extraHosts.filter { IPAddressBytes.parse($0) == nil }
    let addresses = ["127.0.0.1", "::1"] + extraHosts.filter { IPAddressBytes.parse($0) != nil }
    let issued = try authority.issue(
      dnsNames: [name, "localhost"] + hosts, ipAddresses: addresses, validity: validity, now: now)
    let identity = identity(name)
    try write(issued.privateKeyPEM, to: identity.keyPath!, secret: true)
    try write(try issued.certificatePEM(), to: identity.certificatePath!, secret: false)
    return identity
  }

  /// Writes beside `path` and renames over it, so a running component reading the file (a
  /// renewal) never sees it half-written; private keys are readable by the owner only from the
  /// moment they exist.
  private func write(_ text: String, to path: String, secret: Bool) throws {
    if AtomicFile.write(Data(text.utf8), to: path, permissions: secret ? 0o600 : 0o644) != nil { throw PKIError.cannotWrite(path) }
  }
}
