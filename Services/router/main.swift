import Foundation
import ArgumentParser
import EdgeRouting
import EdgeSecurity
import EdgeServer
import EdgeRouterService
import EdgeObservability
import Logging

/// edge-router: routes each request to the nearest healthy node that has the model.
struct EdgeRouterCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "edge-router", abstract: "An EdgeInfer geo-router.", version: BuildInfo.description)

  @Option(help: "Router id.") var id = "router"
  @Option(help: "Router location as LAT,LON; clients that send none are routed from here.") var location: String
  @Option(help: "Address for clients (TLS).") var listen = "0.0.0.0:8443"
  @Option(help: "Address for nodes (mutual TLS).") var clusterListen = "0.0.0.0:7443"
  @Option(help: "Cluster CA certificate (PEM).") var ca: String?
  @Option(help: "Router certificate (PEM).") var cert: String?
  @Option(help: "Router private key (PEM).") var key: String?
  @Flag(help: "Plaintext instead of TLS. Never in production.") var insecure = false
  @Option(help: "Heartbeat interval asked of nodes, in milliseconds.") var heartbeatIntervalMs = 500
  @Option(help: "Silence after which a node leaves the rotation, in milliseconds.") var heartbeatExpiryMs = 2000
  @Option(help: "Hedge requests that send no x-edge-hedge after this many milliseconds (default: no hedging).") var hedgeMs: Int?
  @Option(help: "Share of live nodes in rotation below which the router panics, 0 to 1.") var panicThreshold = 0.5
  @Flag(help: "In panic, route only to nodes in rotation (default: fail open, to every live node).") var failClosed = false
  @Option(help: "API key file (edgeinfer keys create); clients must then send 'authorization: Bearer <key>'. Reloaded when it changes.")
  var apiKeys: String?
  @Option(help: "Plain HTTP address for Prometheus to scrape GET /metrics: HOST:PORT, or a PORT on loopback (default: none).") var metricsListen: String?
  @Option(help: "Most bytes of tensor data in one request (the transport refuses messages over 4x this).")
  var maxMessageBytes = 64 << 20
  @Option(help: "Longest deadline a call may ask for, in milliseconds.") var maxDeadlineMs = 300_000
  @Option(name: .customLong("admin"), help: "Certificate name allowed to make admin calls (repository load/unload, usage) on the cluster listener (repeatable).")
  var adminNames: [String] = ["admin"]
  @Flag(help: "With --insecure, take admin calls anyway (refused over plaintext otherwise).") var insecureAdmin = false
  @Option(help: "Append audit records (JSON lines) to this file (default: the log, at notice level).") var auditLog: String?
  @Option(help: "The region this router stands in: residency-bound requests for other regions are refused unless --transit.")
  var region: String?
  @Flag(help: "Carry residency-bound requests for regions other than --region.") var transit = false
  @Option(help: "Append usage records (JSON lines) to this file and reload them at start (default: usage kept in memory).")
  var usageLog: String?
  @Option(help: "Once listening, write the bound addresses here as JSON (for ports picked with :0).") var readyFile: String?
  @Option(help: "Log level.") var logLevel = "info"
  @Option(help: "Log lines as text or json (one object per line).") var logFormat = "text"
  @Option(help: "Serve the Open Inference Protocol's REST binding (KServe v2, as Triton serves it) here: HOST:PORT, or a PORT on loopback; HTTPS with --cert (default: none).")
  var httpListen: String?
  @Option(help: "Serve the operator dashboard here (GET /): HOST:PORT, or a PORT on loopback; HTTPS with --cert, plain HTTP on loopback only with --insecure; off loopback only with --api-keys (default: none).")
  var dashboardListen: String?
  @Option(help: "Export a span per request and per attempt to this OpenTelemetry collector over OTLP/gRPC, e.g. http://127.0.0.1:4317 (default: no spans).")
  var otlpEndpoint: String?

  func run() async throws {
    guard let format = LogFormat(rawValue: logFormat) else {
      throw ValidationError("--log-format must be text or json, not '\(logFormat)'")
    }
    ServiceRunner.bootstrapLogging(level: logLevel, format: format)
    guard heartbeatIntervalMs > 0, heartbeatExpiryMs > heartbeatIntervalMs else {
      throw ValidationError("need 0 < --heartbeat-interval-ms < --heartbeat-expiry-ms")
    }
    let security = try TransportSecurityMode.from(ca: ca, certificate: cert, key: key, insecure: insecure)
    if case .tls(let identity) = security, !identity.hasCertificate {
      throw ValidationError("a TLS router needs --cert and --key")
    }
    var configuration = RouterConfiguration(
      id: id, location: try GeoPoint(parsing: location), listen: try ServiceAddress(parsing: listen),
      clusterListen: try ServiceAddress(parsing: clusterListen), security: security)
    configuration.heartbeatInterval = .milliseconds(heartbeatIntervalMs)
    configuration.heartbeatExpiry = .milliseconds(heartbeatExpiryMs)
    guard (0...1).contains(panicThreshold) else { throw ValidationError("--panic-threshold must be from 0 to 1") }
    configuration.panicThreshold = panicThreshold
    configuration.failOpen = !failClosed
    if let hedgeMs {
      guard hedgeMs >= 0 else { throw ValidationError("--hedge-ms must not be negative") }
      configuration.hedgeDelay = .milliseconds(hedgeMs)
    }
    configuration.apiKeysFile = apiKeys
    guard maxMessageBytes > 0, maxDeadlineMs > 0 else { throw ValidationError("--max-message-bytes and --max-deadline-ms must be positive") }
    configuration.maxMessageBytes = maxMessageBytes
    configuration.maxDeadline = .milliseconds(maxDeadlineMs)
    configuration.metricsListen = try metricsListen.map { try ServiceAddress(listener: $0) }
    configuration.dashboardListen = try dashboardListen.map { try ServiceAddress(listener: $0) }
    configuration.httpListen = try httpListen.map { try ServiceAddress(listener: $0) }
    // The dashboard shows the topology, where clients are and credential names: beyond this
    // machine only over TLS and to an admin key.
    if let dashboard = configuration.dashboardListen, !["127.0.0.1", "::1", "localhost"].contains(dashboard.host) {
      if insecure {
        throw ValidationError("--dashboard-listen \(dashboard.host): a plaintext (--insecure) router serves its dashboard on loopback only")
      }
      if apiKeys == nil {
        throw ValidationError(
          "--dashboard-listen \(dashboard.host): off loopback the dashboard needs --api-keys (it answers admin keys only)")
      }
    }
    guard !adminNames.isEmpty, !adminNames.contains(where: \.isEmpty) else { throw ValidationError("--admin needs a certificate name") }
    if let shared = adminNames.first(where: { ["localhost", "127.0.0.1", "::1"].contains($0) }) {
      throw ValidationError("--admin \(shared): every cluster certificate names it; give the admin certificate's own name")
    }
    configuration.adminNames = Set(adminNames)
    if insecureAdmin && !insecure { throw ValidationError("--insecure-admin only applies with --insecure") }
    configuration.insecureAdmin = insecureAdmin
    configuration.auditLog = auditLog
    if let region, !ResidencyBound.isRegionName(region) { throw ValidationError("--region must be letters, digits, '-', '_' or '.'") }
    if transit && region == nil { throw ValidationError("--transit needs --region") }
    configuration.region = region
    configuration.transit = transit
    configuration.usageLog = usageLog
    configuration.readyFile = readyFile
    let logger = Logger(label: "edge-router")
    let export = try otlpEndpoint.map { try TraceExport(endpoint: $0, serviceName: "edge-router", instance: id, logger: logger) }
    try await ServiceRunner.run(
      EdgeRouter(configuration: configuration, logger: logger, tracer: export?.tracer), beside: export.map { [$0.service] } ?? [],
      logger: logger)
  }
}

// Swift tasks run on NIO's event loops (see EventLoopExecutor): installed here, on the main
// thread, before any task has started.
if !EventLoopExecutor.install() {
  FileHandle.standardError.write(Data("NIO's event loops could not become Swift's executor; running on Swift's own threads\n".utf8))
}
do {
  let command = try EdgeRouterCommand.parse()
  try await command.run()
} catch {
  EdgeRouterCommand.exit(withError: error)
}
