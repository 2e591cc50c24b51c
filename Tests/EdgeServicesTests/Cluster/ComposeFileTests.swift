import EdgeCluster
import EdgeExecutorService
import EdgeNodeService
import EdgeRouterService
import EdgeServer
import EdgeObservability
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

  /// Prometheus scrapes every service of the same topology; regenerate with
  /// `edgeinfer cluster compose --prometheus > docker/prometheus.yml`.
  @Test func theCommittedPrometheusConfigurationIsCurrent() throws {
    let committed = try String(contentsOfFile: "\(ProjectPaths.root)/docker/prometheus.yml", encoding: .utf8)
    #expect(committed == ComposeFile.prometheusConfig(.standard()))
    #expect(committed.contains("\"node-3:\(ComposeFile.metricsPort)\"") && committed.contains("\"router-2:\(ComposeFile.metricsPort)\""))
  }

  /// Every series the Grafana dashboard queries is one the services export (a histogram's
  /// `_bucket`, `_sum` and `_count` included), so a renamed family cannot leave a panel empty.
  @Test func theGrafanaDashboardQueriesOnlySeriesThatExist() throws {
    let data = try Data(contentsOf: URL(filePath: "\(ProjectPaths.root)/docker/grafana/dashboards/edgeinfer.json"))
    let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let panels = try #require(dashboard["panels"] as? [[String: Any]])
    let expressions = panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
    #expect(expressions.count >= panels.count && panels.count >= 12)
    var exported: Set<String> = []
    for family in RouterMetrics.families + NodeMetrics.families + ExecutorMetrics.families + ServiceMetrics.standardFamilies {
      switch family.kind {
      case .durations, .values: exported.formUnion(["_bucket", "_sum", "_count"].map { family.name + $0 })
      case .counter, .gauge: exported.insert(family.name)
      }
    }
    let names = expressions.flatMap { expression in
      expression.matches(of: /\b(?:edge|process)_[a-z_]+/).map { String($0.output) }
    }
    #expect(Set(names).count >= 15)
    let unknown = Set(names).subtracting(exported)
    #expect(unknown.isEmpty, "the dashboard queries series no service exports: \(unknown.sorted())")
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
