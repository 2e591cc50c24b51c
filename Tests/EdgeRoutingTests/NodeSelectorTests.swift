import EdgeRuntime
import EdgeRouting
import Testing

struct NodeSelectorTests {
  static let paris = try! GeoPoint(latitude: 48.8566, longitude: 2.3522)
  static let newYork = try! GeoPoint(latitude: 40.7128, longitude: -74.0060)
  static let tokyo = try! GeoPoint(latitude: 35.6762, longitude: 139.6503)
  static let london = try! GeoPoint(latitude: 51.5074, longitude: -0.1278)

  func node(
    _ id: String, at location: GeoPoint, models: [ModelAvailability] = [ModelAvailability(name: "digits", version: "1", isReady: true)],
    load: NodeLoadReport = NodeLoadReport()
  ) -> NodeDescriptor {
    NodeDescriptor(id: id, address: "\(id):9000", region: id, location: location, models: models, load: load)
  }

  var cluster: [NodeDescriptor] {
    [node("tokyo", at: Self.tokyo), node("paris", at: Self.paris), node("new-york", at: Self.newYork)]
  }

  @Test func ranksByGreatCircleDistanceFromTheClient() {
    #expect(NodeSelector.rank(cluster, model: "digits", from: Self.london).map(\.node.id) == ["paris", "new-york", "tokyo"])
    #expect(NodeSelector.rank(cluster, model: "digits", from: Self.newYork).map(\.node.id) == ["new-york", "paris", "tokyo"])
    let seoul = try! GeoPoint(latitude: 37.5665, longitude: 126.9780)
    #expect(NodeSelector.rank(cluster, model: "digits", from: seoul).first?.node.id == "tokyo")
  }

  @Test func reportsTheDistanceThatRankedEachNode() {
    let ranked = NodeSelector.rank(cluster, model: "digits", from: Self.london)
    #expect(abs(ranked[0].distanceKilometres - 343.6) < 1)
  }

  @Test func excludedNodesAreSkipped() {
    let ranked = NodeSelector.rank(cluster, model: "digits", from: Self.london, excluding: ["paris"])
    #expect(ranked.map(\.node.id) == ["new-york", "tokyo"])
  }

  @Test func onlyNodesWithTheModelReadyQualify() {
    var nodes = cluster
    nodes[1].models = [ModelAvailability(name: "digits", version: "1", isReady: false)]
    nodes[2].models = [ModelAvailability(name: "other", version: "1", isReady: true)]
    #expect(NodeSelector.rank(nodes, model: "digits", from: Self.london).map(\.node.id) == ["tokyo"])
    #expect(NodeSelector.rank(nodes, model: "missing", from: Self.london).isEmpty)
  }

  @Test func aRequestedVersionMustBeReady() {
    var nodes = cluster
    nodes[0].models = [ModelAvailability(name: "digits", version: "2", isReady: true)]
    #expect(NodeSelector.rank(nodes, model: "digits", version: "2", from: Self.london).map(\.node.id) == ["tokyo"])
    #expect(NodeSelector.rank(nodes, model: "digits", version: "1", from: Self.london).map(\.node.id) == ["paris", "new-york"])
    #expect(NodeSelector.rank(nodes, model: "digits", from: Self.london).count == 3)
  }

  @Test func nodesAtCapacityGoAfterEveryNodeWithRoom() {
    var nodes = cluster
    nodes[1].load = NodeLoadReport(inFlight: 8, capacity: 8)
    #expect(NodeSelector.rank(nodes, model: "digits", from: Self.london).map(\.node.id) == ["new-york", "tokyo", "paris"])
  }

  @Test func nearEqualNodesAreChosenByThePowerOfTwoChoices() {
    let nodes = [
      node("b", at: Self.paris, load: NodeLoadReport(inFlight: 1, capacity: 4)),
      node("c", at: Self.paris, load: NodeLoadReport(inFlight: 0, capacity: 4)),
      node("a", at: Self.paris, load: NodeLoadReport(inFlight: 1, capacity: 4)),
    ]
    var random = SplitMix(seed: 7)
    var firsts: [String: Int] = [:]
    for _ in 0..<300 {
      let ranked = NodeSelector.rank(nodes, model: "digits", from: Self.london, using: &random).map(\.node.id)
      firsts[ranked[0], default: 0] += 1
      #expect(Set(ranked) == ["a", "b", "c"])
    }
    // The less loaded of two random picks: c whenever it is picked (two pairs in three), a
    // against b (equal load, then id), b never.
    #expect(firsts["b"] == nil)
    #expect((170...230).contains(firsts["c"] ?? 0))
    // Not near-equal: the nearest always leads.
    for _ in 0..<20 {
      #expect(NodeSelector.rank(cluster, model: "digits", from: Self.london, using: &random).first?.node.id == "paris")
    }
  }

  @Test func queueWaitMeasuredRoundTripsAndErrorsCountInTheEstimate() {
    // From London: Paris is 3.4 ms away, New York 55.7 ms, Tokyo 95.6 ms.
    var nodes = cluster
    nodes[1].load = NodeLoadReport(queueDepth: 10, inFlight: 11, capacity: 64, recentExecutionMicroseconds: 20_000)
    let queued = NodeSelector.rank(nodes, model: "digits", from: Self.london)
    #expect(queued.map(\.node.id) == ["new-york", "tokyo", "paris"])
    #expect(queued[2].estimate.queue == .milliseconds(200))
    // Two instances drain the same queue twice as fast.
    nodes[1].load.instances = 2
    #expect(NodeSelector.rank(nodes, model: "digits", from: Self.london)[2].estimate.queue == .milliseconds(100))
    #expect(NodeLoadReport(queueDepth: 3, recentExecutionMicroseconds: 1000, instances: 0).queueWaitMicroseconds == 3000)

    let t0 = ContinuousClock.now
    var slowLink = NodeObservation()
    for _ in 0..<NodeObservation.minimumSamples { slowLink.recordSuccess(roundTrip: .milliseconds(80), at: t0) }
    #expect(NodeSelector.rank(cluster, model: "digits", from: Self.london, observations: ["paris": slowLink], now: t0).first?.node.id == "new-york")

    var failing = NodeObservation()
    for _ in 0..<5 { failing.recordFailure(at: t0) }
    let ranked = NodeSelector.rank(cluster, model: "digits", from: Self.london, observations: ["paris": failing], now: t0)
    #expect(ranked.map(\.node.id) == ["new-york", "tokyo", "paris"])
    #expect(abs(ranked[2].estimate.penalty / .seconds(1) - (1 - 0.8 * 0.8 * 0.8 * 0.8 * 0.8)) < 1e-6)
    // Failures fade: ten seconds later, with no call since, Paris leads again.
    #expect(NodeSelector.rank(cluster, model: "digits", from: Self.london, observations: ["paris": failing], now: t0 + .seconds(10)).first?.node.id == "paris")
  }

  @Test func observationsAverageRoundTripsAndForgetErrors() {
    let t0 = ContinuousClock.now
    var observation = NodeObservation()
    #expect(observation.roundTrip == nil)
    observation.recordSuccess(roundTrip: .milliseconds(10), at: t0)
    observation.recordSuccess(roundTrip: .milliseconds(20), at: t0)
    #expect(observation.roundTrip == nil)  // two samples are not enough
    observation.recordSuccess(roundTrip: .milliseconds(15), at: t0)
    #expect(observation.roundTrip == .milliseconds(10))
    observation.recordFailure(at: t0)
    #expect(abs(observation.errorRate(at: t0) - 0.2) < 1e-9)
    observation.recordSuccess(roundTrip: .milliseconds(12), at: t0)
    #expect(abs(observation.errorRate(at: t0) - 0.16) < 1e-9)
    #expect(abs(observation.errorRate(at: t0 + NodeObservation.failureHalfLife) - 0.08) < 1e-9)
    // Busy moments do not raise the floor; once the low samples leave the window, it rises.
    observation.recordSuccess(roundTrip: .seconds(1), at: t0)
    #expect(observation.roundTrip == .milliseconds(10))
    for _ in 0..<NodeObservation.window { observation.recordSuccess(roundTrip: .milliseconds(30), at: t0) }
    #expect(observation.roundTrip == .milliseconds(30))
  }

  @Test func theFirstHealthCheckOnAConnectionIsNotARoundTrip() {
    var observation = NodeObservation()
    observation.recordCheck(roundTrip: .milliseconds(90), at: .now)
    for _ in 0..<NodeObservation.minimumSamples { observation.recordCheck(roundTrip: .milliseconds(1), at: .now) }
    #expect(observation.roundTrip == .milliseconds(1))
  }

  /// Random registries: the invariants hold whatever the nodes, loads and observations.
  @Test func rankingPropertiesHoldOnRandomRegistries() {
    var random = SplitMix(seed: 42)
    for _ in 0..<500 {
      let count = Int.random(in: 0...8, using: &random)
      let nodes = (0..<count).map { index in
        node(
          "n\(index)", at: try! GeoPoint(latitude: .random(in: -60...60, using: &random), longitude: .random(in: -180...180, using: &random)),
          models: Bool.random(using: &random) ? [ModelAvailability(name: "digits", version: "1", isReady: Bool.random(using: &random))] : [],
          load: NodeLoadReport(
            queueDepth: .random(in: 0...5, using: &random), inFlight: .random(in: 0...4, using: &random),
            capacity: .random(in: 0...4, using: &random), recentExecutionMicroseconds: .random(in: 0...5000, using: &random)))
      }
      var observations: [String: NodeObservation] = [:]
      for node in nodes where Bool.random(using: &random) {
        var observation = NodeObservation()
        if Bool.random(using: &random) { observation.recordFailure(at: .now) }
        observation.recordSuccess(roundTrip: .microseconds(.random(in: 0...50_000, using: &random)), at: .now)
        observations[node.id] = observation
      }
      let excluded: Set<String> = nodes.isEmpty || Bool.random(using: &random) ? [] : [nodes.randomElement(using: &random)!.id]
      let ranked = NodeSelector.rank(
        nodes, model: "digits", from: Self.london, excluding: excluded, observations: observations, using: &random)
      // Exactly the nodes with the model ready that were not excluded.
      #expect(Set(ranked.map(\.node.id)) == Set(nodes.filter { $0.serves(model: "digits", version: "") && !excluded.contains($0.id) }.map(\.id)))
      // Full nodes only after every node with room (spill only at capacity).
      let full = ranked.map(\.node.load.isAtCapacity)
      #expect(full == full.sorted { !$0 && $1 })
      // After the first, estimates never decrease among nodes with room.
      let withRoom = ranked.dropFirst().filter { !$0.node.load.isAtCapacity }.map(\.estimate.total)
      #expect(withRoom == withRoom.sorted())
      // The first is within the near-equal margin of the best.
      let room = ranked.filter { !$0.node.load.isAtCapacity }
      if let first = ranked.first, let best = room.map(\.estimate.total).min(), !first.node.load.isAtCapacity {
        #expect(first.estimate.total <= best + max(best * 0.1, .milliseconds(1)))
      }
    }
  }

  @Test func rankingIsDeterministicWhateverTheInputOrder() {
    let forward = NodeSelector.rank(cluster, model: "digits", from: Self.london).map(\.node.id)
    let backward = NodeSelector.rank(cluster.reversed(), model: "digits", from: Self.london).map(\.node.id)
    #expect(forward == backward)
  }

  @Test func nodeLoadReportsCapacity() {
    #expect(!NodeLoadReport(inFlight: 100, capacity: 0).isAtCapacity)
    #expect(NodeLoadReport(inFlight: 4, capacity: 4).isAtCapacity)
    #expect(NodeLoadReport(inFlight: 1, capacity: 4).utilisation == 0.25)
  }
}

/// x-edge-route: background work to the idlest node anywhere, pinned requests to their node.
struct RouteModeTests {
  let selector = NodeSelectorTests()

  @Test func backgroundWorkGoesToTheLeastLoadedNodeAnywhere() {
    var nodes = selector.cluster  // tokyo, paris, new-york
    nodes[0].load = NodeLoadReport(inFlight: 1, capacity: 8)
    nodes[1].load = NodeLoadReport(inFlight: 6, capacity: 8)
    nodes[2].load = NodeLoadReport(inFlight: 3, capacity: 8)
    #expect(NodeSelector.rank(nodes, model: "digits", from: NodeSelectorTests.london, mode: .background).map(\.node.id) == ["tokyo", "new-york", "paris"])
    #expect(NodeSelector.rank(nodes, model: "digits", from: NodeSelectorTests.london).first?.node.id == "paris")
  }

  @Test func aPinnedRequestGoesOnlyToItsNode() {
    let nodes = selector.cluster
    #expect(NodeSelector.rank(nodes, model: "digits", from: NodeSelectorTests.london, mode: .pinned("tokyo")).map(\.node.id) == ["tokyo"])
    #expect(NodeSelector.rank(nodes, model: "digits", from: NodeSelectorTests.london, mode: .pinned("nowhere")).isEmpty)
    #expect(NodeSelector.rank(nodes, model: "other", from: NodeSelectorTests.london, mode: .pinned("tokyo")).isEmpty)
  }

  @Test func modesParse() {
    #expect(RouteMode(parsing: "nearest") == .nearest)
    #expect(RouteMode(parsing: "background") == .background)
    #expect(RouteMode(parsing: "pin:node-2") == .pinned("node-2"))
    #expect(RouteMode(parsing: "pin:") == nil)
    #expect(RouteMode(parsing: "fastest") == nil)
  }
}

/// A seeded generator, so random choices in tests repeat.
typealias SplitMix = SplitMix64

/// The retry budget: a share of the requests in flight, with a floor.
struct RetryBudgetTests {
  @Test func retriesAreCappedAtAShareOfActiveRequestsWithAFloor() {
    var budget = RetryBudget()
    for _ in 0..<10 { budget.requestStarted() }
    // 20% of 10 is 2, below the floor of 3.
    let granted = (0..<5).filter { _ in budget.tryRetry() }.count
    #expect(granted == 3)
    for _ in 0..<40 { budget.requestStarted() }  // 50 active: 10 retries
    let more = (0..<20).filter { _ in budget.tryRetry() }.count
    #expect(more == 7)
    budget.retryFinished()
    let again = budget.tryRetry()
    #expect(again)
    for _ in 0..<50 { budget.requestFinished() }
    #expect(budget.activeRequests == 0)
  }
}
