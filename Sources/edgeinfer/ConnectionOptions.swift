import ArgumentParser
import Foundation
import EdgeClient
import EdgeRouting
import EdgeSecurity
import EdgeCluster
import EdgeServer

/// How a command reaches a router or node.
struct ConnectionOptions: ParsableArguments {
  @Option(help: "Router (or node) address, HOST:PORT; several, comma-separated, are tried in order.") var router = "localhost:8443"
  @Flag(help: "Call the nodes the router ranks directly (edgeinfer.v1.Registry/Route), failing over down the list.")
  var direct = false
  @Option(help: "Cluster CA certificate (PEM).") var ca: String?
  @Option(help: "Client certificate (PEM), for nodes that require one.") var cert: String?
  @Option(help: "Client private key (PEM).") var key: String?
  @Option(help: "Name to verify in the server certificate, when not the router host.") var serverName: String?
  @Flag(help: "Plaintext instead of TLS.") var insecure = false
  @Option(help: "Deadline in milliseconds.") var timeoutMs = 10_000
  @Option(help: "API key for routers that require one (default: $EDGEINFER_API_KEY).") var apiKey: String?

  func clientConfiguration(location: GeoPoint? = nil) throws -> EdgeClientConfiguration {
    guard timeoutMs > 0 else { throw ValidationError("--timeout-ms must be positive") }
    let routers = try router.split(separator: ",").map { try ServiceAddress(parsing: String($0)) }
    guard let first = routers.first else { throw ValidationError("--router needs an address") }
    var configuration = EdgeClientConfiguration(
      target: first,
      security: try TransportSecurityMode.from(ca: ca, certificate: cert, key: key, insecure: insecure),
      location: location)
    configuration.fallbackTargets = Array(routers.dropFirst())
    configuration.mode = direct ? .direct : .routed
    configuration.serverName = serverName
    configuration.apiKey = apiKey ?? ProcessInfo.processInfo.environment["EDGEINFER_API_KEY"]
    configuration.timeout = .milliseconds(timeoutMs)
    return configuration
  }

  /// For admin commands: an admin-scoped API key when one is given (the router's client
  /// listener), else the admin certificate (`--cert`/`--key`, by default admin.pem beside
  /// `--ca`), which the router takes on its cluster listener.
  func adminConfiguration() throws -> EdgeClientConfiguration {
    var configuration = try clientConfiguration()
    guard configuration.apiKey == nil, cert == nil, !insecure, let ca else { return configuration }
    let folder = URL(fileURLWithPath: ca).deletingLastPathComponent().path
    let certificate = "\(folder)/admin.pem"
    let privateKey = "\(folder)/admin-key.pem"
    guard FileManager.default.fileExists(atPath: certificate), FileManager.default.fileExists(atPath: privateKey) else {
      throw ValidationError(
        "admin commands need an admin credential: --api-key with a key made by 'keys create --scope admin', or the admin certificate (--cert/--key; 'certs init' writes admin.pem beside ca.pem) and --router at the router's cluster listener")
    }
    configuration.security = try TransportSecurityMode.from(ca: ca, certificate: certificate, key: privateKey, insecure: false)
    return configuration
  }
}
