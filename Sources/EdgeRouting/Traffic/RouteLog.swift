/// The last minute of answered requests as the operator dashboard draws them: which place sent
/// how many to which node under which credential, and each node's latency. Kept per second, so
/// a second older than the window drops out whole; pure, with explicit instants.
///
/// Its memory is bounded whatever clients send: a client's location is its own claim, so each
/// second keeps at most `placesPerSecond` distinct flows, and requests beyond them count in one
/// flow from an unknown place. Node ids come from the registry and credential names from the
/// key file, both bounded.
public struct RouteLog: Sendable {
  public static let window = 60
  public let placesPerSecond: Int
  private let origin: ContinuousClock.Instant
  /// One slot per second of the window, reused as the window moves.
  private var slots: [Slot]

  private struct Key: Hashable {
    var latitude: Int32?
    var longitude: Int32?
    var node: String
    var credential: String
  }

  private struct Slot {
    var second: Int64 = -1
    var flows: [Key: Int] = [:]
    var latency: [String: LatencyBuckets] = [:]
  }

  public init(origin: ContinuousClock.Instant, placesPerSecond: Int = 256) {
    self.origin = origin
    self.placesPerSecond = placesPerSecond
    slots = Array(repeating: Slot(), count: Self.window)
  }

  private func second(of instant: ContinuousClock.Instant) -> Int64 {
    (instant - origin).components.seconds
  }

  /// A request answered at `instant` by `node`, sent from `from` (when the client said) under
  /// `credential`, `elapsed` after the router sent it.
  public mutating func record(
    from: GeoPoint?, node: String, credential: String, elapsed: Duration, at instant: ContinuousClock.Instant
  ) {
    let second = second(of: instant)
    let index = Int(((second % Int64(Self.window)) + Int64(Self.window)) % Int64(Self.window))
    if slots[index].second != second { slots[index] = Slot(second: second) }
    var key = Key(
      latitude: from.map { Int32(($0.latitude * 10).rounded()) }, longitude: from.map { Int32(($0.longitude * 10).rounded()) },
      node: node, credential: credential)
    if slots[index].flows[key] == nil, key.latitude != nil, slots[index].flows.count >= placesPerSecond {
      key.latitude = nil
      key.longitude = nil
    }
    slots[index].flows[key, default: 0] += 1
    slots[index].latency[node, default: LatencyBuckets()].record(elapsed)
  }

  /// The window ending at `now`: the seconds from `now - 59 s` to `now`.
  public func summary(at now: ContinuousClock.Instant) -> RouteSummary {
    let newest = second(of: now)
    var flows: [Key: Int] = [:]
    var latency: [String: LatencyBuckets] = [:]
    for slot in slots where slot.second > newest - Int64(Self.window) && slot.second <= newest {
      flows.merge(slot.flows, uniquingKeysWith: +)
      latency.merge(slot.latency) { var merged = $0; merged.add($1); return merged }
    }
    // The busiest first, ties in a fixed order, compared on the keys' integers.
    let ordered = flows.sorted { a, b in
      (b.value, a.key.node, a.key.credential, a.key.latitude ?? .min, a.key.longitude ?? .min)
        < (a.value, b.key.node, b.key.credential, b.key.latitude ?? .min, b.key.longitude ?? .min)
    }
    let lines = ordered.map { key, count in
      RouteFlow(
        from: key.latitude.flatMap { latitude in
          try? GeoPoint(latitude: Double(latitude) / 10, longitude: Double(key.longitude ?? 0) / 10)
        },
        node: key.node, credential: key.credential, count: count)
    }
    let nodes = latency.mapValues { NodeTraffic(requests: $0.total, p50: $0.quantile(0.5), p99: $0.quantile(0.99)) }
    return RouteSummary(flows: lines, nodes: nodes)
  }
}
