import EdgeClient
import EdgeProto
import EdgeRouting
import EdgeRuntime
import EdgeSecurity
import EdgeCluster
import EdgeExecutorService
import EdgeNodeService
import EdgeRouterService
import EdgeServer
import EdgeTestSupport
import Foundation
import Logging
import SwiftProtobuf
import Synchronization
import Testing

/// A router and nodes in this process, on loopback ports the system picks, with a fresh cluster
/// PKI: real servers, real TLS, the committed model (digits; models fetched by `make models`
/// are left out, so what the nodes serve does not depend on what else was installed).
final class TestCluster: @unchecked Sendable {
  // @unchecked: mutated only by the test that owns it, between awaits.
  let folder: TemporaryDirectory
  let pki: ClusterPKI
  let router: EdgeRouter
  private(set) var routerAddresses: EdgeRouter.BoundAddresses!
  private var routerTask: Task<Void, any Error>?
  private(set) var nodes: [String: (node: EdgeNode, task: Task<Void, any Error>)] = [:]
  /// Routers added by `addRouter`, which every node started afterwards also registers with.
  private(set) var moreRouters: [(router: EdgeRouter, task: Task<Void, any Error>, addresses: EdgeRouter.BoundAddresses)] = []

  static let paris = try! GeoPoint(latitude: 48.8566, longitude: 2.3522)
  static let newYork = try! GeoPoint(latitude: 40.7128, longitude: -74.0060)
  static let london = try! GeoPoint(latitude: 51.5074, longitude: -0.1278)
  static let boston = try! GeoPoint(latitude: 42.3601, longitude: -71.0589)

  static let logger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return logger
  }()

  /// Plaintext everywhere (`--insecure`) when `insecure` is set; TLS otherwise.
  let insecure: Bool

  init(
    maxMessageBytes: Int = 4 << 20, insecure: Bool = false, apiKeysFile: String? = nil,
    configure: (inout RouterConfiguration) -> Void = { _ in }
  ) throws {
    self.insecure = insecure
    folder = try TemporaryDirectory()
    pki = ClusterPKI(directory: "\(folder.path)/certs")
    try FileManager.default.createDirectory(atPath: "\(folder.path)/models", withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: "\(folder.path)/models/digits", withDestinationPath: "\(ProjectPaths.models)/digits")
    try pki.initialise(nodes: 3)
    var configuration = try Self.routerConfiguration(id: "router", pki: pki, insecure: insecure, maxMessageBytes: maxMessageBytes)
    configuration.apiKeysFile = apiKeysFile
    configure(&configuration)
    router = EdgeRouter(configuration: configuration, logger: Self.logger)
  }

  static func routerConfiguration(id: String, pki: ClusterPKI, insecure: Bool, maxMessageBytes: Int) throws -> RouterConfiguration {
    var configuration = RouterConfiguration(
      id: id, location: try GeoPoint(latitude: 50.1109, longitude: 8.6821),
      listen: ServiceAddress(host: "127.0.0.1", port: 0), clusterListen: ServiceAddress(host: "127.0.0.1", port: 0),
      security: insecure ? .plaintext : .tls(pki.identity("router")))
    // Beats every 100 ms so nodes join at once; expiry and check timeout long enough that a
    // machine busy with every suite at once does not take live nodes out of the rotation.
    configuration.heartbeatInterval = .milliseconds(100)
    configuration.heartbeatExpiry = .seconds(3)
    configuration.healthCheckTimeout = .seconds(3)
    configuration.maxMessageBytes = maxMessageBytes
    configuration.metricsListen = ServiceAddress(host: "127.0.0.1", port: 0)
    return configuration
  }

  /// Starts another router of the same cluster (same CA, the router certificate).
  @discardableResult
  func addRouter(_ id: String) async throws -> EdgeRouter {
    let router = EdgeRouter(
      configuration: try Self.routerConfiguration(id: id, pki: pki, insecure: insecure, maxMessageBytes: 4 << 20), logger: Self.logger)
    let task = Task { try await router.run() }
    moreRouters.append((router, task, await router.listeningAddresses()))
    return router
  }

  func start() async {
    let router = self.router
    routerTask = Task { try await router.run() }
    routerAddresses = await router.listeningAddresses()
  }

  /// Starts a node with `identity` (its own cluster certificate by default) and waits until the
  /// router routes to it.
  @discardableResult
  func startNode(
    _ id: String, region: String, at location: GeoPoint, identity: TLSIdentity? = nil, waitForRegistration: Bool = true,
    executor: ServiceAddress? = nil, repository: String? = nil, allowedPeers: Set<String> = [], capacity: Int = 16,
    metrics: Bool = true
  ) async throws -> EdgeNode {
    var configuration = NodeConfiguration(
      identity: NodeIdentity(id: id, region: region, location: location),
      listen: ServiceAddress(host: "127.0.0.1", port: 0), repository: repository ?? "\(folder.path)/models",
      routers: [routerAddresses.cluster] + moreRouters.map(\.addresses.cluster), security: insecure ? .plaintext : .tls(identity ?? pki.identity(id)))
    configuration.capacity = capacity
    configuration.executor = executor
    configuration.allowedPeers = allowedPeers
    configuration.metricsListen = metrics ? ServiceAddress(host: "127.0.0.1", port: 0) : nil
    let node = EdgeNode(configuration: configuration, logger: Self.logger)
    nodes[id] = (node, Task { try await node.run() })
    if waitForRegistration { try await waitUntil { self.router.view.healthyNodes().contains { $0.id == id } } }
    return node
  }

  /// Stops a node abruptly: its listener closes and its heartbeats stop, as when it crashes.
  func stopNode(_ id: String) async {
    guard let entry = nodes.removeValue(forKey: id) else { return }
    entry.task.cancel()
    await Self.awaitStop(of: entry.task, named: "node '\(id)'")
  }

  /// How long a cancelled server may take to stop: its front's drain grace and then some.
  static let stopLimit: Duration = FrontListener.drainGrace + .seconds(15)

  /// Waits for a cancelled server's task to end; one that outlasts `stopLimit` is a failure
  /// named after it (and is left behind), so a server that never stops fails its test instead
  /// of hanging the whole run.
  static func awaitStop(of task: Task<Void, any Error>, named name: String) async {
    let ended = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
      let once = Mutex(Optional(continuation))
      let resume = { @Sendable (value: Bool) in once.withLock { $0.take() }?.resume(returning: value) }
      let timer = Task {
        // Cancelled once the task ended: that is no verdict.
        guard (try? await Task.sleep(for: stopLimit)) != nil else { return }
        resume(false)
      }
      Task {
        _ = await task.result
        resume(true)
        timer.cancel()
      }
    }
    if !ended { Issue.record("\(name) did not stop within \(stopLimit) of being cancelled") }
  }

  /// Starts a separate executor serving this cluster's models with its own cluster certificate,
  /// on `port` (0 for any), and returns it with the task that runs it.
  func startExecutor(
    port: Int = 0, allowedPeers: Set<String> = [], limits: RequestLimits = RequestLimits()
  ) async throws -> (executor: EdgeExecutor, task: Task<Void, any Error>, address: ServiceAddress) {
    let identity = FileManager.default.fileExists(atPath: pki.identity("executor").certificatePath!)
      ? pki.identity("executor") : try pki.issue(name: "executor")
    let executor = EdgeExecutor(
      listen: ServiceAddress(host: "127.0.0.1", port: port), repository: "\(folder.path)/models",
      security: insecure ? .plaintext : .tls(identity), allowedPeers: allowedPeers, limits: limits,
      metricsListen: ServiceAddress(host: "127.0.0.1", port: 0), logger: Self.logger)
    let task = Task { try await executor.run() }
    return (executor, task, await executor.listeningAddress())
  }

  /// A repository whose digits model waits `queueDelay` for its batches to fill: a node that
  /// answers correctly, but slowly.
  func slowRepository(queueDelay: Duration) throws -> String {
    let root = "\(folder.path)/slow-models"
    let manager = FileManager.default
    try manager.createDirectory(atPath: "\(root)/digits", withIntermediateDirectories: true)
    for entry in try manager.contentsOfDirectory(atPath: "\(ProjectPaths.models)/digits") where entry != "config.pbtxt" {
      try manager.createSymbolicLink(atPath: "\(root)/digits/\(entry)", withDestinationPath: "\(ProjectPaths.models)/digits/\(entry)")
    }
    let config = try String(contentsOfFile: "\(ProjectPaths.models)/digits/config.pbtxt", encoding: .utf8)
    let microseconds = queueDelay.components.seconds * 1_000_000 + queueDelay.components.attoseconds / 1_000_000_000_000
    let slow = config.replacingOccurrences(
      of: "dynamic_batching { max_queue_delay_microseconds: 500 }",
      with: "dynamic_batching { max_queue_delay_microseconds: \(microseconds) }")
    precondition(slow != config, "digits' dynamic_batching line changed")
    try slow.write(toFile: "\(root)/digits/config.pbtxt", atomically: true, encoding: .utf8)
    return root
  }

  /// A repository with digits and `digits-b`, the same model under a second name: two models
  /// whose fates can be told apart.
  func twoModelRepository() throws -> String {
    let root = "\(folder.path)/two-models"
    let manager = FileManager.default
    try manager.createDirectory(atPath: "\(root)/digits-b", withIntermediateDirectories: true)
    try manager.createSymbolicLink(atPath: "\(root)/digits", withDestinationPath: "\(ProjectPaths.models)/digits")
    for entry in try manager.contentsOfDirectory(atPath: "\(ProjectPaths.models)/digits") where entry != "config.pbtxt" {
      try manager.createSymbolicLink(atPath: "\(root)/digits-b/\(entry)", withDestinationPath: "\(ProjectPaths.models)/digits/\(entry)")
    }
    let config = try String(contentsOfFile: "\(ProjectPaths.models)/digits/config.pbtxt", encoding: .utf8)
    try config.replacingOccurrences(of: "name: \"digits\"", with: "name: \"digits-b\"")
      .write(toFile: "\(root)/digits-b/config.pbtxt", atomically: true, encoding: .utf8)
    return root
  }

  func stop() async {
    for id in Array(nodes.keys) { await stopNode(id) }
    for extra in moreRouters {
      extra.task.cancel()
      await Self.awaitStop(of: extra.task, named: "router '\(extra.router.configuration.id)'")
    }
    if let routerTask {
      routerTask.cancel()
      await Self.awaitStop(of: routerTask, named: "router")
    }
  }

  func clientConfiguration(
    to address: ServiceAddress? = nil, identity: TLSIdentity? = nil, location: GeoPoint? = nil
  ) -> EdgeClientConfiguration {
    var configuration = EdgeClientConfiguration(
      target: address ?? routerAddresses.clients,
      security: insecure ? .plaintext : .tls(identity ?? pki.identity("client")), location: location)
    configuration.timeout = .seconds(5)
    return configuration
  }

  /// Polls `condition` every 20 ms for up to `timeout`.
  func waitUntil(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
      if try await condition() { return }
      try await Task.sleep(for: .milliseconds(20))
    }
    throw TestClusterError.timedOut
  }
}

enum TestClusterError: Error {
  case timedOut
}

/// One test digit from the committed test split.
enum DigitsFixture {
  static let split: (inputs: [[Float]], labels: [Int]) = {
    let data = FileManager.default.contents(atPath: "\(ProjectPaths.models)/digits/test_split.json")!
    let object = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    let inputs = (object["inputs"] as! [[NSNumber]]).map { $0.map(\.floatValue) }
    return (inputs, (object["labels"] as! [NSNumber]).map(\.intValue))
  }()

  static func tensor(rows: Range<Int>) -> InferTensor {
    .fp32("pixels", shape: [Int64(rows.count), 64], values: rows.flatMap { split.inputs[$0] })
  }

  /// The same rows as a raw Open Inference Protocol request, for calls with custom metadata.
  static func request(rows: Range<Int>) -> Inference_ModelInferRequest {
    let tensor = tensor(rows: rows)
    var request = Inference_ModelInferRequest()
    request.modelName = "digits"
    request.inputs = [.with { $0.name = tensor.name; $0.datatype = tensor.datatype; $0.shape = tensor.shape }]
    request.rawInputContents = [tensor.data]
    return request
  }
}
