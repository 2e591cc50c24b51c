import EdgeCluster
import EdgeExecutorService
import EdgeNodeService
import EdgeRouterService
import EdgeServer
import Foundation
import EdgeTestSupport
import Testing

struct ComposeFileTests {
  /// The committed compose file is what the topology generates, so its containers run the very
  /// commands `edgeinfer demo` runs; regenerate with `edgeinfer cluster compose > docker/compose.yaml`.
  @Test func theCommittedComposeFileIsCurrent() throws {
    let committed = try String(contentsOfFile: "\(ProjectPaths.root)/docker/compose.yaml", encoding: .utf8)
    #expect(committed == ComposeFile.render(.standard()))
  }

  @Test func nodesDialEveryRouterByItsServiceName() {
    let topology = ClusterTopology.standard(nodes: 2)
    let paths = ClusterTopology.Paths(certificates: "/c", models: "/m")
    let arguments = topology.nodeArguments(
      topology.nodes[1], listen: "0.0.0.0:1", advertise: "node-2:1", routers: ["router:2", "router-2:2"], paths: paths)
    let routers = arguments.indices.filter { arguments[$0] == "--router" }.map { arguments[$0 + 1] }
    #expect(routers == ["router:2", "router-2:2"])
    #expect(topology.routers.map(\.id) == ["router", "router-2"])
    #expect(arguments[arguments.firstIndex(of: "--cert")! + 1] == "/c/node-2.pem")
    #expect(arguments[arguments.firstIndex(of: "--location")! + 1] == "40.7128,-74.006")
  }
}
