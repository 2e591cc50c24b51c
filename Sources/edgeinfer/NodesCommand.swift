import ArgumentParser
import EdgeClient
import Foundation

struct NodesCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "nodes", abstract: "List the nodes a router knows; exits non-zero when none is healthy.")

  @OptionGroup var connection: ConnectionOptions

  func run() async throws {
    let nodes = try await EdgeInferenceClient.withClient(try connection.clientConfiguration()) { try await $0.nodes() }
    for node in nodes {
      print(
        "\(node.id)\t\(node.healthy ? "healthy" : "down")\t\(node.region)\t\(node.address)\t\(String(format: "%.4f,%.4f", node.latitude, node.longitude))\t\(node.models.joined(separator: " "))")
    }
    if !nodes.contains(where: \.healthy) { throw ExitCode(1) }
  }
}
