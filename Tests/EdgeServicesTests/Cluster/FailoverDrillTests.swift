import EdgeCluster
import EdgeExecutorService
import EdgeNodeService
import EdgeRouterService
import EdgeServer
import EdgeTestSupport
import Foundation
import Testing

/// The failover targets on real processes: edge-router and edge-node executables (built beside
/// this test bundle) on loopback, closed-loop load through the router, a node or region killed
/// or frozen partway. Figures at full size come from `edgeinfer drill` (docs/RELIABILITY.md);
/// here the counts are smaller and only outcomes are checked, never timings.
@Suite(.serialized, .timeLimit(.minutes(3))) struct FailoverDrillTests {
  func drill(_ fault: DrillFault, _ configure: (inout FailoverDrill) -> Void = { _ in }) async throws -> DrillReport {
    let folder = try TemporaryDirectory()
    try FileManager.default.createDirectory(atPath: "\(folder.path)/models", withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: "\(folder.path)/models/digits", withDestinationPath: "\(ProjectPaths.models)/digits")
    let cluster = LocalCluster(topology: FailoverDrill.topology, directory: "\(folder.path)/cluster", models: "\(folder.path)/models")
    defer { cluster.stop() }
    try await cluster.start()
    try await cluster.waitUntilHealthy(count: FailoverDrill.topology.nodes.count)
    var drill = FailoverDrill(fault: fault)
    drill.requests = 400
    drill.concurrency = 6
    drill.limit = .seconds(90)
    configure(&drill)
    let report = try await drill.run(on: cluster)
    #expect(cluster.runningCount == cluster.processes.count - Self.killed(by: fault))
    return report
  }

  static func killed(by fault: DrillFault) -> Int {
    switch fault {
    case .kill: 1
    case .region: 2
    case .outage: 3
    case .freeze, .restart: 0
    }
  }

  @Test func killingANodeUnderLoadFailsNoRequest() async throws {
    let report = try await drill(.kill)
    #expect(report.failed == 0, "\(report.failureExamples)")
    #expect(report.ok >= 400)
    #expect(report.requestsAfterFault > 0)
    #expect(report.answeredBy["node-2", default: 0] > 0)
  }

  @Test func aFrozenNodeLeavesTheRotationAndComesBackWithoutAFailedRequest() async throws {
    let report = try await drill(.freeze) { $0.freezeFor = .seconds(3) }
    #expect(report.failed == 0, "\(report.failureExamples)")
    #expect(report.outOfRotationSeconds != nil)
    #expect(report.backInRotationSeconds != nil)
  }

  @Test func whenTheNearestRegionDiesTheNextServesEveryRequest() async throws {
    let report = try await drill(.region)
    #expect(report.failed == 0, "\(report.failureExamples)")
    #expect(report.nextRegionFirstAnswerSeconds != nil)
    #expect(report.answeredBy["node-3", default: 0] > 0)
  }

  @Test func aRollingRestartOfEveryNodeFailsNoRequest() async throws {
    let report = try await drill(.restart)
    #expect(report.failed == 0, "\(report.failureExamples)")
    #expect(report.restartSeconds.keys.sorted() == ["node-1", "node-2", "node-3"])
  }

  @Test func inATotalOutageTheRetryBudgetHolds() async throws {
    let report = try await drill(.outage) { $0.outageFor = .seconds(2) }
    let during = try #require(report.attemptsPerRequestDuringOutage)
    #expect((report.routerRequestsDuringOutage ?? 0) > 0)
    #expect(during <= 1.2)
    // Requests are refused with UNAVAILABLE, not left to time out.
    #expect(report.failures.keys.allSatisfy { $0 == "unavailable" })
  }
}
