import EdgeRouting
import Testing

struct NodeRegistryTests {
  let start = ContinuousClock.now

  func node(_ id: String, models: [ModelAvailability] = [ModelAvailability(name: "digits", version: "1", isReady: true)]) throws
    -> NodeDescriptor
  {
    NodeDescriptor(id: id, address: "127.0.0.1:1", region: "r", location: try GeoPoint(latitude: 0, longitude: 0), models: models)
  }

  @Test func aNodeIsHealthyUntilItsHeartbeatsStopForTheExpiry() throws {
    var registry = NodeRegistry(expiry: .seconds(2))
    #expect(registry.record(try node("a"), at: start) == false)
    #expect(registry.isHealthy("a", at: start + .seconds(2)))
    #expect(!registry.isHealthy("a", at: start + .milliseconds(2001)))
    #expect(registry.healthyNodes(at: start + .seconds(3)).isEmpty)
    // A late heartbeat brings it back.
    #expect(registry.record(try node("a"), at: start + .seconds(3)) == true)
    #expect(registry.isHealthy("a", at: start + .seconds(3)))
  }

  @Test func anUnreachableNodeIsBenchedAtOnceAndReadmittedByALaterHeartbeat() throws {
    var registry = NodeRegistry(expiry: .seconds(10), unreachableBench: .seconds(1))
    registry.record(try node("a"), at: start)
    registry.markUnreachable("a", at: start + .milliseconds(100))
    #expect(!registry.isHealthy("a", at: start + .milliseconds(100)))
    // A heartbeat within the bench does not lift it: the node may still be unreachable.
    registry.record(try node("a"), at: start + .milliseconds(500))
    #expect(!registry.isHealthy("a", at: start + .milliseconds(600)))
    // After the bench the node is back, and a heartbeat then clears the mark for good.
    #expect(registry.isHealthy("a", at: start + .milliseconds(1100)))
    registry.record(try node("a"), at: start + .milliseconds(1200))
    #expect(registry.isHealthy("a", at: start + .milliseconds(1200)))
  }

  @Test func removeTakesANodeOutAndUnknownIdsAreIgnored() throws {
    var registry = NodeRegistry()
    registry.record(try node("a"), at: start)
    registry.record(try node("b"), at: start)
    registry.remove("a")
    registry.remove("nobody")
    registry.markUnreachable("nobody", at: start)
    #expect(!registry.isKnown("a"))
    #expect(registry.healthyNodes(at: start).map(\.id) == ["b"])
  }

  @Test func pruneForgetsOnlyLongSilentNodes() throws {
    var registry = NodeRegistry(expiry: .seconds(1))
    registry.record(try node("old"), at: start)
    registry.record(try node("new"), at: start + .seconds(9))
    registry.prune(at: start + .seconds(11), after: .seconds(10))
    #expect(registry.snapshot(at: start + .seconds(11)).map(\.descriptor.id) == ["new"])
  }

  @Test func snapshotReportsHealthAndHeartbeatAge() throws {
    var registry = NodeRegistry(expiry: .seconds(1))
    registry.record(try node("b"), at: start)
    registry.record(try node("a"), at: start + .seconds(2))
    let snapshot = registry.snapshot(at: start + .seconds(2))
    #expect(snapshot.map(\.descriptor.id) == ["a", "b"])
    #expect(snapshot.map(\.isHealthy) == [true, false])
    #expect(snapshot[1].heartbeatAge == .seconds(2))
  }

  @Test func aHeartbeatReplacesTheNodesModelsAndLoad() throws {
    var registry = NodeRegistry()
    registry.record(try node("a"), at: start)
    var updated = try node("a", models: [ModelAvailability(name: "other", version: "2", isReady: true)])
    updated.load = NodeLoadReport(queueDepth: 3, inFlight: 5, capacity: 8)
    registry.record(updated, at: start + .milliseconds(1))
    let current = registry.healthyNodes(at: start + .milliseconds(1))
    #expect(current.first?.models.map(\.name) == ["other"])
    #expect(current.first?.load.inFlight == 5)
  }

  @Test func aFailedHealthCheckHoldsANodeOutUntilItsProbationPasses() throws {
    var registry = NodeRegistry(expiry: .seconds(3), probationChecks: 2)
    let t0 = ContinuousClock.now
    let node = NodeDescriptor(id: "n", address: "n:1", region: "r", location: try GeoPoint(latitude: 0, longitude: 0), models: [])
    registry.record(node, at: t0)
    registry.failCheck("n")
    #expect(!registry.isHealthy("n", at: t0))
    registry.record(node, at: t0 + .milliseconds(500))  // heartbeats alone do not bring it back
    #expect(!registry.isHealthy("n", at: t0 + .milliseconds(500)))
    #expect(registry.liveNodes(at: t0 + .milliseconds(500)).map(\.id) == ["n"])  // still checked
    registry.passCheck("n")
    #expect(!registry.isHealthy("n", at: t0 + .seconds(1)))
    registry.passCheck("n")
    #expect(registry.isHealthy("n", at: t0 + .seconds(1)))
    registry.failCheck("n")
    registry.passCheck("n")
    registry.failCheck("n")  // a failure restarts the probation
    registry.passCheck("n")
    #expect(!registry.isHealthy("n", at: t0 + .seconds(1)))
    registry.failCheck("unknown")
    registry.passCheck("unknown")
  }

  @Test(arguments: [true, false])
  func belowThePanicThresholdTheRouterFailsOpenOrClosedAsConfigured(failOpen: Bool) throws {
    var registry = NodeRegistry(expiry: .seconds(3))
    registry.failOpen = failOpen
    let t0 = ContinuousClock.now
    for id in ["a", "b", "c", "d"] {
      registry.record(NodeDescriptor(id: id, address: "\(id):1", region: "r", location: try GeoPoint(latitude: 0, longitude: 0), models: []), at: t0)
    }
    #expect(registry.routable(at: t0).panic == false)
    registry.failCheck("a")
    registry.markUnreachable("b", at: t0)
    // Two of four in rotation: not below half.
    #expect(registry.routable(at: t0).panic == false)
    #expect(registry.routable(at: t0).nodes.map(\.id) == ["c", "d"])
    registry.failCheck("c")
    let panic = registry.routable(at: t0)
    #expect(panic.panic)
    // Failing open trusts no health check, but b refused a connection just now: not b.
    #expect(panic.nodes.map(\.id) == (failOpen ? ["a", "c", "d"] : ["d"]))
    // Once its bench is over, b is back in rotation (two of four: no panic).
    #expect(registry.routable(at: t0 + .seconds(1)) == (nodes: registry.healthyNodes(at: t0 + .seconds(1)), panic: false))
    #expect(registry.healthyNodes(at: t0 + .seconds(1)).map(\.id) == ["b", "d"])
    // Nodes whose heartbeats stopped are not live: no panic for a cluster that shrank.
    #expect(registry.routable(at: t0 + .seconds(4)) == (nodes: [], panic: false))
  }
}

