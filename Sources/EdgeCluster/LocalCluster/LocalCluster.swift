public import EdgeClient
public import EdgeRouting
public import EdgeSecurity
public import Foundation

#if canImport(Glibc)
  import Glibc
#endif
import EdgeServer

/// The topology of ClusterTopology as child processes on loopback: routers and nodes, each an
/// edge-router or edge-node process with its own log file, every node registered with every
/// router. Every process it starts it also stops; nothing outlives it.
public final class LocalCluster: @unchecked Sendable {
  // @unchecked: set up and torn down by the one task that owns it; `processes` is only
  // appended to in `start`.
  public let topology: ClusterTopology
  public let directory: String
  public let certificates: ClusterPKI
  public let models: String
  /// Extra arguments for every router (timings, hedging, metrics).
  public var routerOptions: [String] = []
  /// Each router's client address, in the topology's order.
  public private(set) var routerAddresses: [String] = []
  /// Each router's cluster (node) address, in the topology's order.
  public private(set) var clusterAddresses: [String] = []
  /// Each node's address, in the topology's order.
  public private(set) var nodeAddresses: [String] = []
  /// Each process's metrics page (plain HTTP on loopback, `GET /metrics`), by process name.
  public private(set) var metricsAddresses: [String: String] = [:]
  /// Each router's operator dashboard (HTTPS with the cluster's certificates), by router id.
  public private(set) var dashboardAddresses: [String: String] = [:]
  /// Each router's REST (KServe v2) listener (HTTPS), by router id.
  public private(set) var httpAddresses: [String: String] = [:]
  public private(set) var processes: [(name: String, process: Process)] = []
  /// How each process was started, to start it again.
  private var launches: [String: (executable: String, arguments: [String])] = [:]

  public init(topology: ClusterTopology, directory: String, models: String) {
    self.topology = topology
    self.directory = directory
    self.certificates = ClusterPKI(directory: "\(directory)/certs")
    self.models = models
  }

  /// The first router's client address.
  public var routerAddress: String { routerAddresses.first ?? "" }
  public var logDirectory: String { "\(directory)/logs" }

  /// Client settings for the routers, in order (the first one answering is used), with the
  /// cluster CA and the client certificate, which nodes also accept.
  public func clientConfiguration(location: GeoPoint? = nil) throws -> EdgeClientConfiguration {
    let routers = try routerAddresses.map { try ServiceAddress(parsing: $0) }
    guard let first = routers.first else { throw LocalClusterError("the cluster is not started") }
    var configuration = EdgeClientConfiguration(target: first, security: .tls(certificates.identity("client")), location: location)
    configuration.fallbackTargets = Array(routers.dropFirst())
    configuration.timeout = .seconds(5)
    return configuration
  }

  public func start() async throws {
    guard FileManager.default.fileExists(atPath: "\(models)") else {
      throw LocalClusterError("model repository '\(models)' not found; run from the project folder or pass --models")
    }
    try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
    try certificates.initialise(nodes: topology.nodes.count, routers: topology.routers.count, force: true)
    let paths = ClusterTopology.Paths(certificates: certificates.directory, models: models)
    // Every child binds port 0 and reports what it bound (`--ready-file`): no port is picked
    // here, released, and raced for. A restart reuses the port its process had.
    for router in topology.routers {
      let arguments =
        topology.routerArguments(router, listen: "127.0.0.1:0", clusterListen: "127.0.0.1:0", paths: paths)
        + ["--metrics-listen", "127.0.0.1:0", "--dashboard-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0"] + routerOptions
      let bound = try await launchAndWait(
        "edge-router", name: router.id, arguments: arguments, keys: ["clients", "cluster", "metrics", "dashboard", "http"])
      routerAddresses.append(bound["clients"]!)
      clusterAddresses.append(bound["cluster"]!)
      metricsAddresses[router.id] = bound["metrics"]!
      dashboardAddresses[router.id] = bound["dashboard"]!
      httpAddresses[router.id] = bound["http"]!
      launches[router.id]?.arguments = Self.replacing(
        arguments,
        [
          "--listen": bound["clients"]!, "--cluster-listen": bound["cluster"]!, "--metrics-listen": bound["metrics"]!,
          "--dashboard-listen": bound["dashboard"]!, "--http-listen": bound["http"]!,
        ])
    }
    for site in topology.nodes {
      let arguments =
        topology.nodeArguments(site, listen: "127.0.0.1:0", advertise: nil, routers: clusterAddresses, paths: paths)
        + ["--metrics-listen", "127.0.0.1:0"]
      let bound = try await launchAndWait("edge-node", name: site.id, arguments: arguments, keys: ["address", "metrics"])
      nodeAddresses.append(bound["address"]!)
      metricsAddresses[site.id] = bound["metrics"]!
      launches[site.id]?.arguments = Self.replacing(arguments, ["--listen": bound["address"]!, "--metrics-listen": bound["metrics"]!])
    }
  }

  /// Starts a child with `--ready-file` and waits until it reports `keys` (or exits, or a minute
  /// passes).
  private func launchAndWait(
    _ executable: String, name: String, arguments: [String], keys: [String], timeout: Duration = .seconds(60)
  ) async throws -> [String: String] {
    let ready = "\(logDirectory)/\(name).ready.json"
    try? FileManager.default.removeItem(atPath: ready)
    try launch(executable, name: name, arguments: arguments + ["--ready-file", ready])
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
      if let bound = ReadyFile.read(ready), keys.allSatisfy({ bound[$0] != nil }) { return bound }
      if let process = process(named: name), !process.isRunning {
        throw LocalClusterError("\(name) exited with status \(process.terminationStatus); see \(logDirectory)/\(name).log")
      }
      try await Task.sleep(for: .milliseconds(20))
    }
    throw LocalClusterError("\(name) did not start listening within \(timeout); see \(logDirectory)/\(name).log")
  }

  /// `arguments` with the values of the options in `values` replaced.
  static func replacing(_ arguments: [String], _ values: [String: String]) -> [String] {
    var result = arguments
    for index in result.indices.dropLast() {
      if let value = values[result[index]] { result[index + 1] = value }
    }
    return result
  }

  /// Waits until every router lists `count` healthy nodes with a ready model.
  public func waitUntilHealthy(count: Int, timeout: Duration = .seconds(60)) async throws {
    let deadline = ContinuousClock.now + timeout
    var lastError = "no answer yet"
    for (index, address) in routerAddresses.enumerated() {
      var configuration = try clientConfiguration()
      configuration.target = try ServiceAddress(parsing: address)
      configuration.fallbackTargets = []
      while true {
        guard ContinuousClock.now < deadline else {
          throw LocalClusterError("cluster not ready after \(timeout): \(topology.routers[index].id): \(lastError)")
        }
        for (name, process) in processes where !process.isRunning {
          throw LocalClusterError("\(name) exited with status \(process.terminationStatus); see \(logDirectory)/\(name).log")
        }
        do {
          let nodes = try await EdgeInferenceClient.withClient(configuration) { try await $0.nodes() }
          if nodes.filter({ $0.healthy && !$0.models.isEmpty }).count >= count { break }
          lastError = "\(nodes.filter(\.healthy).count) of \(count) nodes healthy"
        } catch {
          lastError = "\(error)"
        }
        try await Task.sleep(for: .milliseconds(200))
      }
    }
  }

  private func process(named name: String) -> Process? {
    processes.first(where: { $0.name == name })?.process
  }

  /// Kills one process at once (SIGKILL), as a crash would.
  public func kill(_ name: String) {
    guard let process = process(named: name), process.isRunning else { return }
    Glibc.kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
  }

  /// Kills several processes at once: every signal is sent before any exit is awaited.
  public func kill(_ names: [String]) {
    let targets = names.compactMap { process(named: $0) }.filter(\.isRunning)
    for process in targets { Glibc.kill(process.processIdentifier, SIGKILL) }
    for process in targets { process.waitUntilExit() }
  }

  /// Stops one process gracefully (SIGTERM: a node drains), SIGKILL after `grace`, then
  /// starts it again with the same command; returns once it runs.
  public func restart(_ name: String, grace: Duration = .seconds(10)) throws {
    guard let launch = launches[name], let index = processes.firstIndex(where: { $0.name == name }) else {
      throw LocalClusterError("no process named \(name)")
    }
    let process = processes[index].process
    if process.isRunning {
      process.terminate()
      let deadline = ContinuousClock.now + grace
      while process.isRunning && ContinuousClock.now < deadline { usleep(10_000) }
      if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
      process.waitUntilExit()
    }
    processes.remove(at: index)
    try self.launch(launch.executable, name: name, arguments: launch.arguments)
  }

  /// Freezes one process (SIGSTOP), as a hung machine would: its sockets stay open, nothing answers.
  public func freeze(_ name: String) {
    guard let process = process(named: name), process.isRunning else { return }
    Glibc.kill(process.processIdentifier, SIGSTOP)
  }

  /// Lets a frozen process run again (SIGCONT).
  public func thaw(_ name: String) {
    guard let process = process(named: name), process.isRunning else { return }
    Glibc.kill(process.processIdentifier, SIGCONT)
  }

  /// Stops every process: SIGTERM (graceful drain), then SIGKILL after `grace`; returns only when
  /// all have exited.
  public func stop(grace: Duration = .seconds(5)) {
    for (_, process) in processes where process.isRunning {
      // A frozen process cannot act on SIGTERM until it runs again.
      Glibc.kill(process.processIdentifier, SIGCONT)
      process.terminate()
    }
    let deadline = ContinuousClock.now + grace
    while processes.contains(where: { $0.process.isRunning }) && ContinuousClock.now < deadline {
      usleep(20_000)
    }
    for (_, process) in processes where process.isRunning {
      Glibc.kill(process.processIdentifier, SIGKILL)
    }
    for (_, process) in processes { process.waitUntilExit() }
  }

  public var runningCount: Int { processes.filter { $0.process.isRunning }.count }

  private func launch(_ executable: String, name: String, arguments: [String]) throws {
    let process = Process()
    process.executableURL = try Self.locate(executable)
    process.arguments = arguments
    let logPath = "\(logDirectory)/\(name).log"
    if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
    let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
    // A restarted process appends to the log of its earlier run.
    log.seekToEndOfFile()
    process.standardOutput = log
    process.standardError = log
    process.standardInput = FileHandle.nullDevice
    try process.run()
    processes.append((name, process))
    launches[name] = (executable, arguments)
  }

  /// The service executables live beside the running one (a build folder, where the test
  /// bundle also lives, or /usr/local/bin), else on PATH.
  public static func locate(_ executable: String) throws -> URL {
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
      .deletingLastPathComponent().appendingPathComponent(executable)
    if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
    for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
      let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent(executable)
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    throw LocalClusterError("\(executable) not found beside \(CommandLine.arguments[0]) or on PATH; build it with 'swift build'")
  }
}
