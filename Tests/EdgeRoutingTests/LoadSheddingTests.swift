import EdgeRouting
import Testing

/// The router refuses what no node can start before its deadline.
@Suite struct LoadSheddingTests {
  static func candidate(_ id: String, network: Duration, queue: Duration, penalty: Duration = .zero) -> RankedNode {
    RankedNode(
      node: NodeDescriptor(id: id, address: "127.0.0.1:1", region: "r", location: try! GeoPoint(latitude: 0, longitude: 0), models: []),
      distanceKilometres: 0, estimate: RouteEstimate(network: network, queue: queue, penalty: penalty))
  }

  @Test func aRequestOneNodeCanStartInTimeIsForwarded() {
    let candidates = [
      Self.candidate("busy", network: .milliseconds(2), queue: .milliseconds(400)),
      Self.candidate("free", network: .milliseconds(60), queue: .milliseconds(100)),
    ]
    #expect(LoadShedding.pushback(candidates: candidates, remaining: .milliseconds(250)) == nil)
  }

  @Test func aRequestNoNodeCanStartInTimeIsRefusedWithTheOvershootAsPushback() {
    let candidates = [
      Self.candidate("a", network: .milliseconds(2), queue: .milliseconds(300)),
      Self.candidate("b", network: .milliseconds(80), queue: .milliseconds(240)),
    ]
    #expect(LoadShedding.pushback(candidates: candidates, remaining: .milliseconds(250)) == .milliseconds(52))
  }

  @Test func penaltiesDoNotCountAndNoCandidatesIsNotARefusal() {
    // A penalty ranks a node lower; it says nothing about when the node would start the request.
    let penalised = [Self.candidate("a", network: .milliseconds(2), queue: .milliseconds(10), penalty: .seconds(1))]
    #expect(LoadShedding.pushback(candidates: penalised, remaining: .milliseconds(250)) == nil)
    #expect(LoadShedding.pushback(candidates: [], remaining: .milliseconds(250)) == nil)
  }

  @Test func theBoundaryIsInclusive() {
    let exact = [Self.candidate("a", network: .milliseconds(50), queue: .milliseconds(200))]
    #expect(LoadShedding.pushback(candidates: exact, remaining: .milliseconds(250)) == nil)
    #expect(LoadShedding.pushback(candidates: exact, remaining: .milliseconds(249)) == .milliseconds(1))
  }
}
