public import ArgumentParser
import EdgeSecurity
import EdgeCluster
import EdgeServer
import Foundation

struct ClusterCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cluster", abstract: "Run the local cluster.", subcommands: [Up.self, Compose.self])

  struct Up: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run a router and nodes on loopback in the foreground until interrupted.")

    @Option(help: "Nodes to run (1 to \(ClusterTopology.nodeSites.count)).") var nodes = 3
    @Option(help: "Routers to run (1 to \(ClusterTopology.routerSites.count)); every node registers with each.") var routers = 2
    @Option(help: "Folder for certificates and logs (default: a new temporary folder).") var dir: String?
    @Option(help: "Model repository.") var models = "models"
    @Option(help: "When a process dies: no (report it; the rest keep serving) or on-failure (report it and start it again with a backoff, unless it exited with status 0).")
    var restart: RestartPolicy = .onFailure

    func run() async throws {
      guard (1...ClusterTopology.nodeSites.count).contains(nodes) else {
        throw ValidationError("--nodes must be 1 to \(ClusterTopology.nodeSites.count)")
      }
      guard (1...ClusterTopology.routerSites.count).contains(routers) else {
        throw ValidationError("--routers must be 1 to \(ClusterTopology.routerSites.count)")
      }
      let folder = dir ?? FileManager.default.temporaryDirectory.appendingPathComponent("edgeinfer-cluster-\(getpid())").path
      let cluster = LocalCluster(topology: .standard(nodes: nodes, routers: routers), directory: folder, models: models)
      let interrupted = InterruptSignal()
      defer { cluster.stop() }
      try await cluster.start()
      try await cluster.waitUntilHealthy(count: nodes)
      let certs = cluster.certificates
      // Written unbuffered: scripts read these lines from a pipe while the cluster runs.
      func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
      for (site, address) in zip(cluster.topology.routers, cluster.routerAddresses) {
        say("\(site.id.padding(toLength: 10, withPad: " ", startingAt: 0)) \(address) \(site.city)")
      }
      for (site, address) in zip(cluster.topology.nodes, cluster.nodeAddresses) {
        say("node       \(site.id) \(address) \(site.city)")
      }
      for site in cluster.topology.routers + cluster.topology.nodes {
        if let address = cluster.metricsAddresses[site.id] {
          say("metrics    \(site.id) http://\(address)/metrics")
        }
      }
      for site in cluster.topology.routers {
        if let address = cluster.httpAddresses[site.id] {
          say("http       \(site.id) https://\(address)")
        }
      }
      for site in cluster.topology.routers {
        if let address = cluster.dashboardAddresses[site.id] {
          say("dashboard  \(site.id) https://\(address)/ (the browser must trust \(certs.caCertificatePath))")
        }
      }
      say("ca         \(certs.caCertificatePath)")
      say("client     \(certs.identity("client").certificatePath!) \(certs.identity("client").keyPath!)")
      // Admin calls (models, usage) go to the routers' cluster listeners with the admin certificate.
      say("admin      \(cluster.clusterAddresses.joined(separator: ",")) \(certs.identity("admin").certificatePath!) \(certs.identity("admin").keyPath!)")
      say("logs       \(cluster.logDirectory)")
      say("try:       edgeinfer infer --router \(cluster.routerAddresses.joined(separator: ",")) --ca \(certs.caCertificatePath) --model digits --input '\(Array(repeating: 0, count: 64))'")
      say("admin:     edgeinfer models list --router \(cluster.clusterAddresses.joined(separator: ",")) --ca \(certs.caCertificatePath)")
      say("Ctrl-C stops every process.")
      try await supervise(cluster, until: interrupted, say: say)
      print("stopping \(cluster.runningCount) processes")
    }
  }

  struct Compose: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print docker/compose.yaml for the same topology the demo runs.")

    @Option(help: "Nodes (1 to \(ClusterTopology.nodeSites.count)).") var nodes = 3
    @Flag(help: "Print docker/prometheus.yml (the scrape configuration for the same topology) instead.")
    var prometheus = false

    func run() throws {
      guard (1...ClusterTopology.nodeSites.count).contains(nodes) else {
        throw ValidationError("--nodes must be 1 to \(ClusterTopology.nodeSites.count)")
      }
      let topology = ClusterTopology.standard(nodes: nodes)
      print(prometheus ? ComposeFile.prometheusConfig(topology) : ComposeFile.render(topology), terminator: "")
    }
  }
}

extension ClusterCommand.Up {
  /// Until interrupted: reports every child that dies and, with `--restart on-failure`, starts
  /// it again after its backoff; the others keep serving throughout.
  func supervise(_ cluster: LocalCluster, until interrupted: InterruptSignal, say: (String) -> Void) async throws {
    var backoffs: [String: RestartBackoff] = [:]
    var due: [String: ContinuousClock.Instant] = [:]
    var finished = Set<String>()
    for (name, _) in cluster.processes { backoffs[name, default: RestartBackoff()].started(at: .now) }
    while !interrupted.hasFired {
      let now = ContinuousClock.now
      for (name, process) in cluster.processes where !process.isRunning && due[name] == nil && !finished.contains(name) {
        let cleanly = process.terminationReason == .exit && process.terminationStatus == 0
        let how = process.terminationReason == .exit ? "exited with status \(process.terminationStatus)" : "was killed by signal \(process.terminationStatus)"
        if restart.restarts(exitedCleanly: cleanly) {
          let when = backoffs[name, default: RestartBackoff()].crashed(at: now)
          due[name] = when
          say("\(name) \(how); restarting in \(String(format: "%.0f", Double((when - now).components.seconds) + Double((when - now).components.attoseconds) / 1e18)) s (log: \(cluster.logDirectory)/\(name).log)")
        } else {
          finished.insert(name)
          say("\(name) \(how); not restarted (--restart \(restart.rawValue)); the others keep serving")
        }
      }
      for (name, when) in due where when <= now {
        due[name] = nil
        do {
          try cluster.restart(name)
          backoffs[name]?.started(at: .now)
          say("\(name) restarted")
        } catch {
          say("\(name) could not be restarted: \(error)")
          finished.insert(name)
        }
      }
      if finished.count == cluster.processes.count {
        say("every process has ended")
        return
      }
      try? await Task.sleep(for: .milliseconds(100))
    }
  }
}

extension RestartPolicy: ExpressibleByArgument {}
