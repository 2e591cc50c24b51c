import EdgeRouting
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

  var router: Router
  var nodes: [Node]
  var routes: [Route]
  /// Milliseconds since 1970, when the state was read.
  var time: Int64

  init(router: Router, nodes: [NodeHealth], traffic: RouteSummary, now: Date = Date()) {
    self.router = router
    self.nodes = nodes.map { health in
      let node = health.descriptor
      let traffic = traffic.nodes[node.id]
      return Node(
        id: node.id, region: node.region, latitude: node.location.latitude, longitude: node.location.longitude,
        healthy: health.isHealthy, heartbeatAgeMs: Int(health.heartbeatAge.components.seconds * 1000)
          + Int(health.heartbeatAge.components.attoseconds / 1_000_000_000_000_000),
        inFlight: node.load.inFlight, queue: node.load.queueDepth, capacity: node.load.capacity,
        utilisation: node.load.utilisation,
        models: node.models.map { Model(name: $0.name, version: $0.version, ready: $0.isReady) },
        requests: traffic?.requests ?? 0, p50Ms: traffic?.p50.map(Self.milliseconds), p99Ms: traffic?.p99.map(Self.milliseconds))
    }
    // The busiest routes first; a page draws at most a few hundred lines.
    routes = traffic.flows.prefix(500).map {
      Route(from: $0.from.map { [$0.latitude, $0.longitude] }, node: $0.node, credential: $0.credential, count: $0.count)
    }
    time = Int64(now.timeIntervalSince1970 * 1000)
  }

  static func milliseconds(_ duration: Duration) -> Double {
    (Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) * 1e-15).rounded(toPlaces: 3)
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
  fileprivate func rounded(toPlaces places: Int) -> Double {
    let scale = pow(10, Double(places))
    return (self * scale).rounded() / scale
  }
}
