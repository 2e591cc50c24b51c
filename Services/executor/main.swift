import Foundation
import ArgumentParser
import EdgeRuntime
import EdgeSecurity
import EdgeServer
import EdgeExecutorService
import EdgeObservability
import Logging

/// edge-executor: runs a node's batches in a process of its own (`edge-node --executor`).
struct EdgeExecutorCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "edge-executor", abstract: "An EdgeInfer batch executor for one node.", version: BuildInfo.description)

  @Option(help: "Address to listen on.") var listen = "127.0.0.1:9100"
  @Option(help: "Model repository folder (the node's).") var models = "models"
  @Option(help: "Cluster CA certificate (PEM).") var ca: String?
  @Option(help: "Executor certificate (PEM).") var cert: String?
  @Option(help: "Executor private key (PEM).") var key: String?
  @Flag(help: "Plaintext instead of TLS. Never in production.") var insecure = false
  @Option(name: .customLong("allow"), help: "Only callers whose certificate names this (the node's id; repeatable). Default: any cluster certificate.")
  var allowed: [String] = []
  @Option(help: "Most bytes of tensor data in one request: the node's --max-request-bytes.")
  var maxRequestBytes = RequestLimits().maxRequestBytes
  @Option(help: "Most elements in one input tensor of one request: the node's --max-tensor-elements.")
  var maxTensorElements = RequestLimits().maxElementsPerTensor
  @Option(help: "Most bytes in one string (BYTES element): the node's --max-string-bytes.")
  var maxStringBytes = RequestLimits().maxBytesElementLength
  @Option(name: .customLong("admin"), help: "Certificate name allowed to load and unload models here besides --allow names (repeatable).")
  var adminNames: [String] = ["admin"]
  @Flag(help: "With --insecure, take loads and unloads anyway (refused over plaintext otherwise).") var insecureAdmin = false
  @Option(help: "Append audit records (JSON lines) to this file (default: the log, at notice level).") var auditLog: String?
  @Option(help: "Plain HTTP address for Prometheus to scrape GET /metrics: HOST:PORT, or a PORT on loopback (default: none).") var metricsListen: String?
  @Option(help: "Log level.") var logLevel = "info"
  @Option(help: "Log lines as text or json (one object per line).") var logFormat = "text"
  @Option(help: "Export a span per batch to this OpenTelemetry collector over OTLP/gRPC, e.g. http://127.0.0.1:4317 (default: no spans).")
  var otlpEndpoint: String?

  func run() async throws {
    guard let format = LogFormat(rawValue: logFormat) else {
      throw ValidationError("--log-format must be text or json, not '\(logFormat)'")
    }
    ServiceRunner.bootstrapLogging(level: logLevel, format: format)
    let logger = Logger(label: "edge-executor")
    guard maxRequestBytes > 0, maxTensorElements > 0, maxStringBytes > 0 else {
      throw ValidationError("--max-request-bytes, --max-tensor-elements and --max-string-bytes must be positive")
    }
    if let shared = (adminNames + allowed).first(where: { ["localhost", "127.0.0.1", "::1", ""].contains($0) }) {
      throw ValidationError("'\(shared)': every cluster certificate names it; give the certificate's own name")
    }
    if insecureAdmin && !insecure { throw ValidationError("--insecure-admin only applies with --insecure") }
    let export = try otlpEndpoint.map { try TraceExport(endpoint: $0, serviceName: "edge-executor", instance: listen, logger: logger) }
    let executor = EdgeExecutor(
      listen: try ServiceAddress(parsing: listen), repository: models,
      security: try .from(ca: ca, certificate: cert, key: key, insecure: insecure), allowedPeers: Set(allowed),
      limits: RequestLimits(
        maxElementsPerTensor: maxTensorElements, maxBytesElementLength: maxStringBytes, maxRequestBytes: maxRequestBytes),
      adminNames: Set(adminNames), insecureAdmin: insecureAdmin, auditLog: auditLog,
      metricsListen: try metricsListen.map { try ServiceAddress(listener: $0) }, logger: logger, tracer: export?.tracer)
    try await ServiceRunner.run(executor, beside: export.map { [$0.service] } ?? [], logger: logger)
  }
}

// Swift tasks run on NIO's event loops (see EventLoopExecutor): installed here, on the main
// thread, before any task has started.
// Before any work or thread: OpenBLAS reads its core choice once, as it loads.
BLASCoreCorrection.restartIfNeeded(program: "edge-executor")
if !EventLoopExecutor.install() {
  FileHandle.standardError.write(Data("NIO's event loops could not become Swift's executor; running on Swift's own threads\n".utf8))
}
do {
  let command = try EdgeExecutorCommand.parse()
  try await command.run()
} catch {
  EdgeExecutorCommand.exit(withError: error)
}
