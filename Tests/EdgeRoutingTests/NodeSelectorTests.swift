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

  @Test func coLocatedNodesAreOrderedByUtilisationThenId() {
    let nodes = [
      node("b", at: Self.paris, load: NodeLoadReport(inFlight: 1, capacity: 4)),
      node("c", at: Self.paris, load: NodeLoadReport(inFlight: 0, capacity: 4)),
      node("a", at: Self.paris, load: NodeLoadReport(inFlight: 1, capacity: 4)),
    ]
    #expect(NodeSelector.rank(nodes, model: "digits", from: Self.london).map(\.node.id) == ["c", "a", "b"])
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
