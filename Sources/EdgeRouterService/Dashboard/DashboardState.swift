import EdgeRouting
import EdgeServer
import Foundation

/// What the dashboard page draws, as the JSON it is sent (`GET /api/state`, and each event of
/// `GET /api/events`): this router, every node it knows with its health, load, models and last
/// minute of traffic, and the last minute's routes from client locations to nodes.
struct DashboardState: Encodable {
  struct Router: Encodable {
    var id: String
    var region: String?
    var latitude: Double
    var longitude: Double
    var inRotation: Int
    var live: Int
    var panic: Bool
  }

  struct Model: Encodable {
    var name: String
    var version: String
    var ready: Bool
  }

  struct Node: Encodable {
    var id: String
    var region: String
    var latitude: Double
    var longitude: Double
    var healthy: Bool
    var heartbeatAgeMs: Int
    var inFlight: Int
    var queue: Int
    var capacity: Int
    var utilisation: Double
    var models: [Model]
    /// Requests answered in the last minute, and their time at the router (p50, p99).
    var requests: Int
    var p50Ms: Double?
    var p99Ms: Double?
  }

  struct Route: Encodable {
    /// [latitude, longitude] of the client, nil when it gave none.
    var from: [Double]?
    var node: String
    var credential: String
    var count: Int
  }

  struct Credential: Encodable {
    var name: String
    var requests: Int
  }

  var router: Router
  var nodes: [Node]
  var routes: [Route]
  /// Requests per credential name in the last minute, busiest first.
  var credentials: [Credential]
  /// Milliseconds since 1970, when the state was read.
  var time: Int64

  init(router: Router, nodes: [NodeHealth], traffic: RouteSummary, now: Date = Date()) {
    self.router = router
    self.nodes = nodes.map { health in
      let node = health.descriptor
      let traffic = traffic.nodes[node.id]
      return Node(
        id: node.id, region: node.region, latitude: node.location.latitude, longitude: node.location.longitude,
        healthy: health.isHealthy, heartbeatAgeMs: Int(health.heartbeatAge.wholeMilliseconds),
        inFlight: node.load.inFlight, queue: node.load.queueDepth, capacity: node.load.capacity,
        utilisation: node.load.utilisation,
        models: node.models.map { Model(name: $0.name, version: $0.version, ready: $0.isReady) },
        requests: traffic?.requests ?? 0, p50Ms: traffic?.p50.map(\.fractionalMilliseconds.roundedToMicroseconds),
        p99Ms: traffic?.p99.map(\.fractionalMilliseconds.roundedToMicroseconds))
    }
    // The busiest routes first; a page draws at most a few hundred lines.
    routes = traffic.flows.prefix(500).map {
      Route(from: $0.from.map { [$0.latitude, $0.longitude] }, node: $0.node, credential: $0.credential, count: $0.count)
    }
    credentials = traffic.credentials.map { Credential(name: $0.key, requests: $0.value) }
      .sorted { ($1.requests, $0.name) < ($0.requests, $1.name) }
    time = Int64(now.timeIntervalSince1970 * 1000)
  }

  /// The state as JSON with snake_case keys.
  func json() -> Data {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.sortedKeys]
    return (try? encoder.encode(self)) ?? Data("{}".utf8)
  }
}

extension Double {
  /// Milliseconds to three decimals: the page shows no finer.
  fileprivate var roundedToMicroseconds: Double { (self * 1000).rounded() / 1000 }
}
