import EdgeRuntime
import EdgeRouting
import Testing

/// Residency bounds: how a request's bound is worked out, and that no ranking ever holds a node
/// outside it, whatever the registry, the mode, the load or the panic state.
struct ResidencyTests {
  let regions = ["eu-west", "eu-central", "us-east", "ap-northeast"]

  @Test func parsesRegionLists() throws {
    #expect(try ResidencyBound.parse("eu-west").get().names == ["eu-west"])
    #expect(try ResidencyBound.parse("eu-west, eu-central").get().names == ["eu-central", "eu-west"])
    for bad in ["", "eu-west,", "eu west", "eu/west", "ü", String(repeating: "a", count: 65), Array(repeating: "r", count: 17).joined(separator: ",")] {
      guard case .failure(.malformed) = ResidencyBound.parse(bad) else {
        Issue.record("'\(bad)' was accepted")
        continue
      }
    }
  }

  @Test func aRequestsBoundLiesWithinItsKeys() {
    let eu = ResidencyBound(["eu-west", "eu-central"])!
    let west = ResidencyBound(["eu-west"])!
    let us = ResidencyBound(["us-east"])!
    #expect(ResidencyBound.resolve(asked: nil, key: nil) == .success(nil))
    #expect(ResidencyBound.resolve(asked: us, key: nil) == .success(us))
    #expect(ResidencyBound.resolve(asked: nil, key: eu) == .success(eu))
    #expect(ResidencyBound.resolve(asked: west, key: eu) == .success(west))
    #expect(
      ResidencyBound.resolve(asked: us, key: eu, keyName: "eu-app")
        == .failure(.outsideKey(key: "eu-app", asked: ["us-east"], allowed: ["eu-central", "eu-west"])))
    // Asking for a wider set than the key's is outside it too, even if it overlaps.
    guard case .failure = ResidencyBound.resolve(asked: ResidencyBound(["eu-west", "us-east"]), key: eu) else {
      Issue.record("a request widened its key's bound")
      return
    }
  }

  @Test func routersAbroadCarryBoundRequestsOnlyWithTransit() {
    let eu = ResidencyBound(["eu-west"])!
    #expect(eu.transitRefusal(routerRegion: nil, transit: false) == nil)
    #expect(eu.transitRefusal(routerRegion: "eu-west", transit: false) == nil)
    #expect(eu.transitRefusal(routerRegion: "us-east", transit: true) == nil)
    #expect(eu.transitRefusal(routerRegion: "us-east", transit: false) == .transit(routerRegion: "us-east", bound: ["eu-west"]))
  }

  /// 500 random registries, bounds, modes and exclusions: every ranked node is inside the bound,
  /// and every node inside the bound that serves the model and is not excluded is ranked.
  @Test func noRankingEverLeavesTheBound() throws {
    var random = SplitMix(seed: 14)
    for _ in 0..<500 {
      let nodes = try (0..<Int.random(in: 1...12, using: &random)).map { index in
        NodeDescriptor(
          id: "n\(index)", address: "127.0.0.1:\(index + 1)", region: regions.randomElement(using: &random)!,
          location: try GeoPoint(latitude: Double.random(in: -80...80, using: &random), longitude: Double.random(in: -179...179, using: &random)),
          models: [ModelAvailability(name: "digits", version: "1", isReady: Bool.random(using: &random) || Bool.random(using: &random))],
          load: NodeLoadReport(
            queueDepth: Int.random(in: 0...50, using: &random), inFlight: Int.random(in: 0...10, using: &random), capacity: 8,
            recentExecutionMicroseconds: Double.random(in: 0...5000, using: &random)))
      }
      let bound = ResidencyBound(regions.filter { _ in Bool.random(using: &random) })
      let excluded = Set(nodes.filter { _ in Int.random(in: 0..<5, using: &random) == 0 }.map(\.id))
      let mode: RouteMode = [.nearest, .background, .pinned(nodes.randomElement(using: &random)!.id)].randomElement(using: &random)!
      let ranked = NodeSelector.rank(
        nodes, model: "digits", from: try GeoPoint(latitude: 51.5, longitude: -0.12), excluding: excluded, mode: mode, within: bound,
        using: &random)
      for candidate in ranked {
        #expect(bound?.admits(candidate.node.region) ?? true, "\(candidate.node.region) outside \(bound?.description ?? "none")")
      }
      let eligible = nodes.filter {
        (bound?.admits($0.region) ?? true) && $0.serves(model: "digits", version: "") && !excluded.contains($0.id)
          && { if case .pinned(let id) = mode { $0.id == id } else { true } }($0)
      }
      #expect(Set(ranked.map(\.node.id)) == Set(eligible.map(\.id)))
    }
  }

  /// Panic fails open to every live node, but never across a bound.
  @Test func panicNeverCrossesTheBound() throws {
    var registry = NodeRegistry(expiry: .seconds(2))
    let start = ContinuousClock.now
    let eu = try NodeDescriptor(
      id: "paris", address: "127.0.0.1:1", region: "eu-west", location: GeoPoint(latitude: 48.86, longitude: 2.35),
      models: [ModelAvailability(name: "digits", version: "1", isReady: true)])
    var us = eu
    us.id = "new-york"
    us.region = "us-east"
    registry.record(eu, at: start)
    registry.record(us, at: start)
    registry.failCheck("paris")
    registry.failCheck("new-york")
    let (routable, panic) = registry.routable(at: start)
    #expect(panic && routable.count == 2)
    let ranked = NodeSelector.rank(
      routable, model: "digits", from: try GeoPoint(latitude: 40.7, longitude: -74), within: ResidencyBound(["eu-west"]))
    #expect(ranked.map(\.node.id) == ["paris"])
  }
}

/// A node's answer about one model takes that model out on that node, and nothing else.
struct PerModelConditionTests {
  let start = ContinuousClock.now

  func node(_ id: String) throws -> NodeDescriptor {
    NodeDescriptor(
      id: id, address: "127.0.0.1:1", region: "eu-west", location: try GeoPoint(latitude: 48.86, longitude: 2.35),
      models: [
        ModelAvailability(name: "digits", version: "1", isReady: true), ModelAvailability(name: "minilm", version: "2", isReady: true),
      ])
  }

  @Test func aModelNotReadyOnEveryNodeCostsNoOtherModelAndNoPanic() throws {
    var registry = NodeRegistry(expiry: .seconds(2))
    for id in ["a", "b", "c"] { registry.record(try node(id), at: start) }
    for id in ["a", "b", "c"] { registry.markModelUnavailable(id, model: "digits", version: "", at: start + .milliseconds(10)) }
    let now = start + .milliseconds(20)
    let (routable, panic) = registry.routable(at: now)
    #expect(!panic)
    #expect(registry.healthyNodes(at: now).count == 3)
    let london = try GeoPoint(latitude: 51.5, longitude: -0.12)
    #expect(NodeSelector.rank(routable, model: "digits", from: london).isEmpty)
    #expect(NodeSelector.rank(routable, model: "minilm", from: london).count == 3)
  }

  @Test func aStaleHeartbeatDoesNotBringTheModelBackWithinTheHold() throws {
    var registry = NodeRegistry(expiry: .seconds(2))
    registry.modelHold = .seconds(1)
    registry.record(try node("a"), at: start)
    registry.markModelUnavailable("a", model: "digits", version: "1", at: start)
    let london = try GeoPoint(latitude: 51.5, longitude: -0.12)
    // A heartbeat built before the answer still says ready: ignored for the hold.
    registry.record(try node("a"), at: start + .milliseconds(500))
    #expect(NodeSelector.rank(registry.routable(at: start + .milliseconds(500)).nodes, model: "digits", from: london).isEmpty)
    #expect(NodeSelector.rank(registry.routable(at: start + .milliseconds(500)).nodes, model: "minilm", from: london).count == 1)
    // After it, the node's word is taken again (the model was reloaded).
    registry.record(try node("a"), at: start + .milliseconds(1500))
    #expect(NodeSelector.rank(registry.routable(at: start + .milliseconds(1500)).nodes, model: "digits", from: london).count == 1)
  }

  @Test func aVersionsConditionLeavesOtherVersions() throws {
    var registry = NodeRegistry(expiry: .seconds(2))
    var twoVersions = try node("a")
    twoVersions.models.append(ModelAvailability(name: "digits", version: "2", isReady: true))
    registry.record(twoVersions, at: start)
    registry.markModelUnavailable("a", model: "digits", version: "2", at: start)
    let london = try GeoPoint(latitude: 51.5, longitude: -0.12)
    let nodes = registry.routable(at: start).nodes
    #expect(NodeSelector.rank(nodes, model: "digits", version: "2", from: london).isEmpty)
    #expect(NodeSelector.rank(nodes, model: "digits", version: "1", from: london).count == 1)
    #expect(NodeSelector.rank(nodes, model: "digits", from: london).count == 1)
  }
}
