import ArgumentParser
import EdgeRuntime
import EdgeSecurity
import EdgeServices
import Logging

/// edge-executor: runs a node's batches in a process of its own (`edge-node --executor`).
@main
struct EdgeExecutorCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "edge-executor", abstract: "An EdgeInfer batch executor for one node.")

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
  @Option(help: "Log level.") var logLevel = "info"

  func run() async throws {
    ServiceRunner.bootstrapLogging(level: logLevel)
    let logger = Logger(label: "edge-executor")
    guard maxRequestBytes > 0, maxTensorElements > 0, maxStringBytes > 0 else {
      throw ValidationError("--max-request-bytes, --max-tensor-elements and --max-string-bytes must be positive")
    }
    let executor = EdgeExecutor(
      listen: try ServiceAddress(parsing: listen), repository: models,
      security: try .from(ca: ca, certificate: cert, key: key, insecure: insecure), allowedPeers: Set(allowed),
      limits: RequestLimits(
        maxElementsPerTensor: maxTensorElements, maxBytesElementLength: maxStringBytes, maxRequestBytes: maxRequestBytes),
      logger: logger)
    try await ServiceRunner.run(executor, logger: logger)
  }
}
