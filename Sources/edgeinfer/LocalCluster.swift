import EdgeClient
import EdgeRouting
import EdgeSecurity
import EdgeServices
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The topology of ClusterTopology as child processes on loopback: a router and nodes, each an
/// edge-router or edge-node process with its own log file. Every process it starts it also
/// stops; nothing outlives it.
final class LocalCluster {
  let topology: ClusterTopology
  let directory: String
  let certificates: ClusterPKI
  let models: String
  private(set) var routerAddress = ""
  private(set) var clusterAddress = ""
  /// Each node's address, in the topology's order.
  private(set) var nodeAddresses: [String] = []
  private(set) var processes: [(name: String, process: Process)] = []

  init(topology: ClusterTopology, directory: String, models: String) {
    self.topology = topology
    self.directory = directory
    self.certificates = ClusterPKI(directory: "\(directory)/certs")
    self.models = models
  }

  var logDirectory: String { "\(directory)/logs" }

  /// Client settings for the router, with the cluster CA (and the client certificate, which
  /// nodes also accept).
  func clientConfiguration(location: GeoPoint? = nil) throws -> EdgeClientConfiguration {
    var configuration = EdgeClientConfiguration(
      target: try ServiceAddress(parsing: routerAddress), security: .tls(certificates.identity("client")),
      location: location)
    configuration.timeout = .seconds(5)
    return configuration
  }

  func start() throws {
    guard FileManager.default.fileExists(atPath: "\(models)") else {
      throw InputError("model repository '\(models)' not found; run from the project folder or pass --models")
    }
    try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
    try certificates.initialise(nodes: topology.nodes.count, force: true)
    let paths = ClusterTopology.Paths(certificates: certificates.directory, models: models)
    routerAddress = "127.0.0.1:\(try Self.freePort())"
    clusterAddress = "127.0.0.1:\(try Self.freePort())"
    try launch(
      "edge-router", name: topology.router.id,
      arguments: topology.routerArguments(listen: routerAddress, clusterListen: clusterAddress, paths: paths))
    for site in topology.nodes {
      let address = "127.0.0.1:\(try Self.freePort())"
      nodeAddresses.append(address)
      try launch(
        "edge-node", name: site.id,
        arguments: topology.nodeArguments(site, listen: address, advertise: address, router: clusterAddress, paths: paths))
    }
  }

  /// Waits until the router lists `count` healthy nodes with a ready model.
  func waitUntilHealthy(count: Int, timeout: Duration = .seconds(60)) async throws {
    let deadline = ContinuousClock.now + timeout
    var lastError = "no answer yet"
    while ContinuousClock.now < deadline {
      for (name, process) in processes where !process.isRunning {
        throw InputError("\(name) exited with status \(process.terminationStatus); see \(logDirectory)/\(name).log")
      }
      do {
        let nodes = try await EdgeInferenceClient.withClient(try clientConfiguration()) { try await $0.nodes() }
        if nodes.filter({ $0.healthy && !$0.models.isEmpty }).count >= count { return }
        lastError = "\(nodes.filter(\.healthy).count) of \(count) nodes healthy"
      } catch {
        lastError = "\(error)"
      }
      try await Task.sleep(for: .milliseconds(200))
    }
    throw InputError("cluster not ready after \(timeout): \(lastError)")
  }

  /// Kills one process at once (SIGKILL), as a crash would.
  func kill(_ name: String) {
    guard let process = processes.first(where: { $0.name == name })?.process, process.isRunning else { return }
    Glibc.kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
  }

  /// Stops every process: SIGTERM (graceful drain), then SIGKILL after `grace`; returns only when
  /// all have exited.
  func stop(grace: Duration = .seconds(5)) {
    for (_, process) in processes where process.isRunning { process.terminate() }
    let deadline = ContinuousClock.now + grace
    while processes.contains(where: { $0.process.isRunning }) && ContinuousClock.now < deadline {
      usleep(20_000)
    }
    for (_, process) in processes where process.isRunning {
      Glibc.kill(process.processIdentifier, SIGKILL)
    }
    for (_, process) in processes { process.waitUntilExit() }
  }

  var runningCount: Int { processes.filter { $0.process.isRunning }.count }

  private func launch(_ executable: String, name: String, arguments: [String]) throws {
    let process = Process()
    process.executableURL = try Self.locate(executable)
    process.arguments = arguments
    let logPath = "\(logDirectory)/\(name).log"
    _ = FileManager.default.createFile(atPath: logPath, contents: nil)
    let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
    process.standardOutput = log
    process.standardError = log
    process.standardInput = FileHandle.nullDevice
    try process.run()
    processes.append((name, process))
  }

  /// The service executables live beside this one (a build folder or /usr/local/bin), else on PATH.
  static func locate(_ executable: String) throws -> URL {
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
      .deletingLastPathComponent().appendingPathComponent(executable)
    if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
    for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
      let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent(executable)
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    throw InputError("\(executable) not found beside \(CommandLine.arguments[0]) or on PATH; build it with 'swift build'")
  }

  /// A loopback port that is free now (bound and released), for a child to listen on.
  static func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw InputError("socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    guard bound == 0 else { throw InputError("bind() failed") }
    let named = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0 else { throw InputError("getsockname() failed") }
    return Int(UInt16(bigEndian: address.sin_port))
  }
}
