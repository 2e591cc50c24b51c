import EdgeRouting
import Testing

/// The dashboard's minute of traffic: what is counted, when it drops out, the bound on what
/// clients can make it keep, and the latency quantiles' error.
struct RouteLogTests {
  let origin = ContinuousClock.now
  let paris = try! GeoPoint(latitude: 48.8566, longitude: 2.3522)
  let tokyo = try! GeoPoint(latitude: 35.6762, longitude: 139.6503)

  @Test func flowsAreCountedPerPlaceNodeAndCredentialOverTheLastMinute() throws {
    var log = RouteLog(origin: origin)
    for second in 0..<3 {
      log.record(from: paris, node: "fra", credential: "alice", elapsed: .milliseconds(2), at: origin + .seconds(second))
    }
    log.record(from: paris, node: "fra", credential: "bob", elapsed: .milliseconds(2), at: origin + .seconds(1))
    log.record(from: tokyo, node: "tyo", credential: "alice", elapsed: .milliseconds(3), at: origin + .seconds(2))
    log.record(from: nil, node: "fra", credential: "anonymous", elapsed: .milliseconds(1), at: origin + .seconds(2))
    let summary = log.summary(at: origin + .seconds(2))
    #expect(summary.flows.count == 4)
    let first = try #require(summary.flows.first)
    #expect(first.node == "fra" && first.credential == "alice" && first.count == 3)
    // Places are kept to a tenth of a degree.
    #expect(first.from?.latitude == 48.9 && first.from?.longitude == 2.4)
    #expect(summary.flows.contains { $0.from == nil && $0.credential == "anonymous" && $0.count == 1 })
    #expect(summary.nodes["fra"]?.requests == 5)
    #expect(summary.nodes["tyo"]?.requests == 1)
    #expect(summary.credentials == ["alice": 4, "bob": 1, "anonymous": 1])
  }

  @Test func aSecondOlderThanTheWindowDropsOut() {
    var log = RouteLog(origin: origin)
    log.record(from: paris, node: "fra", credential: "a", elapsed: .milliseconds(1), at: origin)
    log.record(from: paris, node: "fra", credential: "a", elapsed: .milliseconds(1), at: origin + .seconds(30))
    #expect(log.summary(at: origin + .seconds(59)).nodes["fra"]?.requests == 2)
    #expect(log.summary(at: origin + .seconds(60)).nodes["fra"]?.requests == 1)
    #expect(log.summary(at: origin + .seconds(90)).nodes["fra"] == nil)
    // A slot reused a window later holds only the new second.
    log.record(from: tokyo, node: "tyo", credential: "a", elapsed: .milliseconds(1), at: origin + .seconds(60))
    let summary = log.summary(at: origin + .seconds(60))
    #expect(summary.nodes["fra"]?.requests == 1)
    #expect(summary.nodes["tyo"]?.requests == 1)
    // A summary asked for before a recorded second does not count it.
    #expect(log.summary(at: origin + .seconds(40)).nodes["tyo"] == nil)
  }

  @Test func placesBeyondTheBoundCountAsOneUnknownPlace() {
    var log = RouteLog(origin: origin, placesPerSecond: 2)
    for index in 0..<100 {
      let place = try! GeoPoint(latitude: Double(index) / 2 - 25, longitude: Double(index))
      log.record(from: place, node: "fra", credential: "mallory", elapsed: .milliseconds(1), at: origin)
    }
    // A place already kept is still counted in its own flow.
    log.record(from: try! GeoPoint(latitude: -25, longitude: 0), node: "fra", credential: "mallory", elapsed: .milliseconds(1), at: origin)
    let flows = log.summary(at: origin).flows
    #expect(flows.count == 3)
    #expect(flows.first { $0.from == nil }?.count == 98)
    #expect(flows.first { $0.from?.latitude == -25 }?.count == 2)
    #expect(flows.reduce(0) { $0 + $1.count } == 101)
    #expect(log.summary(at: origin).credentials == ["mallory": 101])
  }

  @Test func quantilesAreNeverLowAndAtMostABucketHigh() throws {
    var buckets = LatencyBuckets()
    #expect(buckets.quantile(0.99) == nil)
    for millisecond in 1...100 { buckets.record(.milliseconds(millisecond)) }
    let p50 = try #require(buckets.quantile(0.5))
    let p99 = try #require(buckets.quantile(0.99))
    #expect(p50 >= .milliseconds(50) && p50 <= .milliseconds(50) * 1.091)
    #expect(p99 >= .milliseconds(99) && p99 <= .milliseconds(99) * 1.091)
    #expect(buckets.quantile(1) ?? .zero >= .milliseconds(100))
    // Sub-microsecond and very long latencies land in the end buckets.
    var ends = LatencyBuckets()
    ends.record(.nanoseconds(10))
    ends.record(.seconds(100))
    #expect(ends.quantile(0.5) == .microseconds(1))
    #expect(ends.quantile(1) ?? .zero >= .seconds(16))
    var merged = buckets
    merged.add(ends)
    #expect(merged.total == 102)
  }
}
