import ArgumentParser
import EdgeSecurity
import EdgeServices
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
      say("ca         \(certs.caCertificatePath)")
      say("client     \(certs.identity("client").certificatePath!) \(certs.identity("client").keyPath!)")
      // Admin calls (models, usage) go to the routers' cluster listeners with the admin certificate.
      say("admin      \(cluster.clusterAddresses.joined(separator: ",")) \(certs.identity("admin").certificatePath!) \(certs.identity("admin").keyPath!)")
      say("logs       \(cluster.logDirectory)")
      say("try:       edgeinfer infer --router \(cluster.routerAddresses.joined(separator: ",")) --ca \(certs.caCertificatePath) --model digits --input '\(Array(repeating: 0, count: 64))'")
      say("admin:     edgeinfer models list --router \(cluster.clusterAddresses.joined(separator: ",")) --ca \(certs.caCertificatePath)")
      say("Ctrl-C stops every process.")
      await interrupted.wait { cluster.runningCount < cluster.processes.count }
      print("stopping \(cluster.runningCount) processes")
    }
  }

  struct Compose: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print docker/compose.yaml for the same topology the demo runs.")

    @Option(help: "Nodes (1 to \(ClusterTopology.nodeSites.count)).") var nodes = 3

    func run() throws {
      guard (1...ClusterTopology.nodeSites.count).contains(nodes) else {
        throw ValidationError("--nodes must be 1 to \(ClusterTopology.nodeSites.count)")
      }
      print(ComposeFile.render(.standard(nodes: nodes)), terminator: "")
    }
  }
}
