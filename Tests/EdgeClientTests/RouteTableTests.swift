import EdgeClient
import Testing

/// The direct-mode client's route memory, with explicit instants.
@Suite struct RouteTableTests {
  let start = ContinuousClock.now
  let key = RouteTable.Key(model: "digits", version: "", location: "51.5,-0.1")
  let ranked = [
    DirectNode(id: "a", address: "127.0.0.1:1", region: "eu", distanceKilometres: 10),
    DirectNode(id: "b", address: "127.0.0.1:2", region: "eu", distanceKilometres: 20),
    DirectNode(id: "c", address: "127.0.0.1:3", region: "us", distanceKilometres: 5000),
  ]

  @Test func aRankingIsUsedUntilItIsStale() {
    var table = RouteTable(refresh: .seconds(1), penalty: .seconds(5))
    #expect(table.nodes(for: key, at: start) == nil)
    table.store(ranked, for: key, at: start)
    #expect(table.nodes(for: key, at: start + .milliseconds(999)) == ranked)
    #expect(table.nodes(for: key, at: start + .seconds(1)) == nil)
    #expect(table.nodes(for: RouteTable.Key(model: "digits", version: "", location: ""), at: start) == nil)
    table.store(ranked, for: key, at: start)
    table.invalidate(key)
    #expect(table.nodes(for: key, at: start) == nil)
  }

  @Test func nodesThatFailedGoToTheBackForThePenalty() {
    var table = RouteTable(refresh: .seconds(60), penalty: .seconds(5))
    table.store(ranked, for: key, at: start)
    table.recordFailure("a", at: start)
    #expect(table.nodes(for: key, at: start)?.map(\.id) == ["b", "c", "a"])
    table.recordFailure("b", at: start + .seconds(1))
    // Among the failed, the router's order holds.
    #expect(table.nodes(for: key, at: start + .seconds(1))?.map(\.id) == ["c", "a", "b"])
    #expect(table.nodes(for: key, at: start + .seconds(5))?.map(\.id) == ["a", "c", "b"])
    #expect(table.nodes(for: key, at: start + .seconds(6))?.map(\.id) == ["a", "b", "c"])
    table.recordFailure("c", at: start + .seconds(7))
    table.recordSuccess("c")
    #expect(table.order(ranked, at: start + .seconds(7)).map(\.id) == ["a", "b", "c"])
  }

  @Test func anEmptyRankingStaysEmpty() {
    var table = RouteTable()
    table.store([], for: key, at: start)
    #expect(table.nodes(for: key, at: start) == [])
    #expect(table.order([], at: start).isEmpty)
  }
}
