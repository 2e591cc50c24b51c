import EdgeRouting
import Testing

/// The router refuses what no node can start within the first half of its remaining time (the
/// other half is for running it and carrying the answer back).
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
    #expect(LoadShedding.pushback(candidates: candidates, remaining: .milliseconds(500)) == nil)
  }

  @Test func aRequestNoNodeCanStartInTimeIsRefusedWithTheOvershootAsPushback() {
    let candidates = [
      Self.candidate("a", network: .milliseconds(2), queue: .milliseconds(300)),
      Self.candidate("b", network: .milliseconds(80), queue: .milliseconds(240)),
    ]
    #expect(LoadShedding.pushback(candidates: candidates, remaining: .milliseconds(500)) == .milliseconds(52))
  }

  @Test func penaltiesDoNotCountAndNoCandidatesIsNotARefusal() {
    // A penalty ranks a node lower; it says nothing about when the node would start the request.
    let penalised = [Self.candidate("a", network: .milliseconds(2), queue: .milliseconds(10), penalty: .seconds(1))]
    #expect(LoadShedding.pushback(candidates: penalised, remaining: .milliseconds(500)) == nil)
    #expect(LoadShedding.pushback(candidates: [], remaining: .milliseconds(500)) == nil)
  }

  @Test func theBoundaryIsInclusive() {
    let exact = [Self.candidate("a", network: .milliseconds(50), queue: .milliseconds(200))]
    #expect(LoadShedding.pushback(candidates: exact, remaining: .milliseconds(500)) == nil)
    #expect(LoadShedding.pushback(candidates: exact, remaining: .milliseconds(498)) == .milliseconds(1))
  }

  @Test func theRoutersOwnRequestsInFlightDeepenAStaleReport() {
    // The last heartbeat said the queue was empty; this router has since sent 200 requests of
    // 2.5 ms each to a node running two batches at once: 250 ms of work ahead.
    let reported = NodeLoadReport(queueDepth: 0, inFlight: 3, capacity: 64, recentExecutionMicroseconds: 2_500, instances: 2)
    let seen = reported.with(outstanding: 200)
    #expect(seen.queueDepth == 200 && seen.inFlight == 200 && seen.isAtCapacity)
    #expect(seen.queueWaitMicroseconds == 250_000)
    // A deeper report than the router's own count stands (other routers send there too).
    #expect(NodeLoadReport(queueDepth: 50, inFlight: 60, recentExecutionMicroseconds: 1_000).with(outstanding: 10).queueDepth == 50)
    #expect(reported.with(outstanding: 0) == reported)

    let node = NodeDescriptor(
      id: "a", address: "127.0.0.1:1", region: "r", location: try! GeoPoint(latitude: 0, longitude: 0), models: [], load: seen)
    let estimate = NodeSelector.estimate(node, distanceKilometres: 0, observation: nil, policy: SelectionPolicy(), now: .now)
    let ranked = [RankedNode(node: node, distanceKilometres: 0, estimate: estimate)]
    #expect(LoadShedding.pushback(candidates: ranked, remaining: .milliseconds(400)) == .milliseconds(50))
    #expect(LoadShedding.pushback(candidates: ranked, remaining: .milliseconds(600)) == nil)
  }
}
