import Foundation
import ArgumentParser
import EdgeRouting
import EdgeRuntime
import EdgeSecurity
import EdgeServer
import EdgeNodeService
import EdgeObservability
import Logging

/// edge-node: serves models from a repository folder and registers with routers.
struct EdgeNodeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "edge-node", abstract: "An EdgeInfer inference node.", version: BuildInfo.description)

  @Option(help: "Node id; must be a DNS name in the node's certificate.") var id: String
  @Option(help: "Region name reported to routers.") var region = "local"
  @Option(help: "Node location as LAT,LON in degrees.") var location: String
  @Option(help: "Address to listen on.") var listen = "0.0.0.0:9000"
  @Option(help: "HOST:PORT routers should dial (default: the listening address).") var advertise: String?
  @Option(help: "Model repository folder (Triton layout).") var models = "models"
  @Option(name: .customLong("router"), help: "Router cluster address to register with (repeatable).") var routers: [String] = []
  @Option(help: "Cluster CA certificate (PEM).") var ca: String?
  @Option(help: "Node certificate (PEM).") var cert: String?
  @Option(help: "Node private key (PEM).") var key: String?
  @Flag(help: "Plaintext instead of TLS. Never in production.") var insecure = false
  @Option(help: "Requests held at once before shedding load.") var capacity = 64
  @Option(help: "HOST:PORT of a separate edge-executor to run batches (default: in this process).") var executor: String?
  @Option(help: "Most bytes of tensor data in one request (the transport refuses messages over 4x this).")
  var maxRequestBytes = RequestLimits().maxRequestBytes
  @Option(help: "Most elements in one input tensor.") var maxTensorElements = RequestLimits().maxElementsPerTensor
  @Option(help: "Most bytes in one string (BYTES element).") var maxStringBytes = RequestLimits().maxBytesElementLength
  @Option(help: "Longest deadline a call may ask for, in milliseconds.") var maxDeadlineMs = 300_000
  @Option(name: .customLong("allow"), help: "Only callers whose certificate names this may call inference: the routers, and clients allowed to call the node directly (repeatable). Default: any cluster certificate.")
  var allowed: [String] = []
  @Option(name: .customLong("admin"), help: "Certificate name allowed to change the repository besides the routers' (repeatable).")
  var adminNames: [String] = ["admin"]
  @Flag(help: "With --insecure, take repository changes anyway (refused over plaintext otherwise).") var insecureAdmin = false
  @Option(help: "Append audit records (JSON lines) to this file (default: the log, at notice level).") var auditLog: String?
  @Option(help: "Once listening, write the bound and advertised addresses here as JSON (for ports picked with :0).") var readyFile: String?
  @Option(help: "Plain HTTP address for Prometheus to scrape GET /metrics: HOST:PORT, or a PORT on loopback (default: none).") var metricsListen: String?
  @Option(help: "Log level.") var logLevel = "info"
  @Option(help: "Log lines as text or json (one object per line).") var logFormat = "text"
  @Option(help: "Export a span per request, queue wait and batch to this OpenTelemetry collector over OTLP/gRPC, e.g. http://127.0.0.1:4317 (default: no spans).")
  var otlpEndpoint: String?

  func run() async throws {
    guard let format = LogFormat(rawValue: logFormat) else {
      throw ValidationError("--log-format must be text or json, not '\(logFormat)'")
    }
    ServiceRunner.bootstrapLogging(level: logLevel, format: format)
    var configuration = NodeConfiguration(
      identity: NodeIdentity(id: id, region: region, location: try GeoPoint(parsing: location)),
      listen: try ServiceAddress(parsing: listen),
      repository: models,
      routers: try routers.map { try ServiceAddress(parsing: $0) },
      security: try .from(ca: ca, certificate: cert, key: key, insecure: insecure))
    configuration.advertise = advertise
    // Every certificate of the cluster names localhost and the loopback addresses, so letting
    // one of them in would let in every certificate.
    if let shared = allowed.first(where: { ["localhost", "127.0.0.1", "::1"].contains($0) }) {
      throw ValidationError("--allow \(shared): every cluster certificate names it; give router and client names")
    }
    configuration.allowedPeers = Set(allowed)
    if let shared = adminNames.first(where: { ["localhost", "127.0.0.1", "::1", ""].contains($0) }) {
      throw ValidationError("--admin '\(shared)': every cluster certificate names it; give the admin certificate's own name")
    }
    configuration.adminNames = Set(adminNames)
    if insecureAdmin && !insecure { throw ValidationError("--insecure-admin only applies with --insecure") }
    configuration.insecureAdmin = insecureAdmin
    configuration.auditLog = auditLog
    configuration.readyFile = readyFile
    configuration.metricsListen = try metricsListen.map { try ServiceAddress(listener: $0) }
    guard capacity > 0 else { throw ValidationError("--capacity must be positive") }
    configuration.capacity = capacity
    configuration.executor = try executor.map { try ServiceAddress(parsing: $0) }
    guard maxRequestBytes > 0, maxTensorElements > 0, maxStringBytes > 0, maxDeadlineMs > 0 else {
      throw ValidationError("--max-request-bytes, --max-tensor-elements, --max-string-bytes and --max-deadline-ms must be positive")
    }
    configuration.limits = RequestLimits(
      maxElementsPerTensor: maxTensorElements, maxBytesElementLength: maxStringBytes, maxRequestBytes: maxRequestBytes,
      maxDeadline: .milliseconds(maxDeadlineMs))
    let logger = Logger(label: "edge-node")
    let export = try otlpEndpoint.map { try TraceExport(endpoint: $0, serviceName: "edge-node", instance: id, logger: logger) }
    try await ServiceRunner.run(
      EdgeNode(configuration: configuration, logger: logger, tracer: export?.tracer), beside: export.map { [$0.service] } ?? [],
      logger: logger)
  }
}

// Swift tasks run on NIO's event loops (see EventLoopExecutor): installed here, on the main
// thread, before any task has started.
// Before any work or thread: OpenBLAS reads its core choice once, as it loads.
BLASCoreCorrection.restartIfNeeded(program: "edge-node")
if !EventLoopExecutor.install() {
  FileHandle.standardError.write(Data("NIO's event loops could not become Swift's executor; running on Swift's own threads\n".utf8))
}
do {
  let command = try EdgeNodeCommand.parse()
  try await command.run()
} catch {
  EdgeNodeCommand.exit(withError: error)
}
