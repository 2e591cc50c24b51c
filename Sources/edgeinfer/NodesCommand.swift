import ArgumentParser
import EdgeClient
import Foundation

struct NodesCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "nodes", abstract: "List the nodes a router knows; exits non-zero when none is healthy.")

  @OptionGroup var connection: ConnectionOptions

  func run() async throws {
    let (nodes, stats) = try await EdgeInferenceClient.withClient(try connection.clientConfiguration()) { client in
      (try await client.nodes(), try await client.routerStats())
    }
    // The node lines are tab-separated for scripts; the router's counters go to stderr.
    var summary = "\(stats.routerID): \(stats.nodesInRotation) of \(stats.nodesLive) live nodes in rotation\(stats.panic ? " (PANIC)" : ""); "
    summary += "\(stats.requests) requests, \(stats.attempts) attempts, \(stats.failovers) failovers, \(stats.hedges) hedges, "
    summary += "\(stats.rescues) rescues, \(stats.budgetExhausted) refused by the retry budget, \(stats.unrouted) unrouted, "
    summary += "\(stats.shed) shed, \(stats.residencyRefused) refused for residency\n"
    FileHandle.standardError.write(Data(summary.utf8))
    for node in nodes {
      print(
        "\(node.id)\t\(node.healthy ? "healthy" : "down")\t\(node.region)\t\(node.address)\t\(String(format: "%.4f,%.4f", node.latitude, node.longitude))\t\(node.models.joined(separator: " "))")
    }
    if !nodes.contains(where: \.healthy) { throw ExitCode(1) }
  }
}
