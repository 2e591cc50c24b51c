import ArgumentParser
import EdgeSecurity
import Foundation

struct CertsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "certs", abstract: "Make the cluster's certificates.", subcommands: [Init.self, Issue.self])

  struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Make a private CA and certificates for routers, nodes and a client.")

    @Option(help: "Folder to write into.") var out: String
    @Option(help: "Node certificates to make (node-1 … node-N).") var nodes = 3
    @Option(help: "Router certificates to make (router, router-2 … router-N).") var routers = 1
    @Option(name: .customLong("host"), help: "Extra DNS name or IP for every certificate (repeatable).") var hosts: [String] = []
    @Flag(help: "Replace an existing CA.") var force = false

    func run() throws {
      guard (1...64).contains(nodes) else { throw ValidationError("--nodes must be 1 to 64") }
      guard (1...16).contains(routers) else { throw ValidationError("--routers must be 1 to 16") }
      let written = try ClusterPKI(directory: out).initialise(nodes: nodes, routers: routers, extraHosts: hosts, force: force)
      for path in written { print(path) }
    }
  }

  struct Issue: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Issue one more certificate from an existing CA, or renew one.")

    @Option(help: "Folder holding ca.pem and ca-key.pem.") var dir: String
    @Option(help: "Name (the node id for nodes).") var name: String
    @Option(name: .customLong("host"), help: "Extra DNS name or IP (repeatable).") var hosts: [String] = []
    @Option(help: "Days the certificate is valid (running components take a renewal without a restart).")
    var days = 365

    func validate() throws {
      guard (1...3_650).contains(days) else { throw ValidationError("--days must be 1 to 3650") }
    }

    func run() throws {
      let identity = try ClusterPKI(directory: dir).issue(name: name, extraHosts: hosts, validity: TimeInterval(days) * 86_400)
      print(identity.certificatePath ?? "")
    }
  }
}
