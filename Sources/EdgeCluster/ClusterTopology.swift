public import EdgeRouting
import EdgeServer

/// The local cluster that `edgeinfer demo`, `edgeinfer cluster up` and docker/compose.yaml all
/// run: routers and nodes at real city coordinates; every node registers with every router, so
/// clients may use any of them. The command lines are made here once, so
/// the processes the demo starts and the containers compose starts run the same commands.
public struct ClusterTopology: Sendable {
  public struct Site: Sendable, Equatable {
    public var id: String
    public var region: String
    public var city: String
    public var location: GeoPoint
  }

  public var routers: [Site]
  public var nodes: [Site]

  public init(routers: [Site], nodes: [Site]) {
    precondition(!routers.isEmpty, "a cluster needs a router")
    self.routers = routers
    self.nodes = nodes
  }

  /// The first router: the one clients are given first.
  public var router: Site { routers[0] }

  /// Router sites in the order clusters grow; each has its own certificate, named by its id
  /// (`ClusterPKI.routerName`).
  public static let routerSites: [Site] = [
    site("router", "eu-central", "Frankfurt", 50.1109, 8.6821),
    site("router-2", "us-east", "Ashburn", 39.0438, -77.4874),
  ]

  /// Node sites in the order clusters grow.
  public static let nodeSites: [Site] = [
    site("node-1", "eu-west", "Paris", 48.8566, 2.3522),
    site("node-2", "us-east", "New York", 40.7128, -74.0060),
    site("node-3", "ap-northeast", "Tokyo", 35.6762, 139.6503),
    site("node-4", "sa-east", "São Paulo", -23.5505, -46.6333),
    site("node-5", "ap-southeast", "Sydney", -33.8688, 151.2093),
    site("node-6", "ap-south", "Mumbai", 19.0760, 72.8777),
    site("node-7", "us-west", "San Francisco", 37.7749, -122.4194),
    site("node-8", "af-south", "Johannesburg", -26.2041, 28.0473),
  ]

  /// Where the demo's clients stand.
  public static let clientSites: [Site] = [
    site("client", "", "London", 51.5074, -0.1278),
    site("client", "", "Berlin", 52.5200, 13.4050),
    site("client", "", "Boston", 42.3601, -71.0589),
    site("client", "", "Chicago", 41.8781, -87.6298),
    site("client", "", "Seoul", 37.5665, 126.9780),
    site("client", "", "Singapore", 1.3521, 103.8198),
  ]

  public static func standard(nodes: Int = 3, routers: Int = 2) -> ClusterTopology {
    precondition((1...nodeSites.count).contains(nodes), "1 to \(nodeSites.count) nodes")
    precondition((1...routerSites.count).contains(routers), "1 to \(routerSites.count) routers")
    return ClusterTopology(routers: Array(routerSites.prefix(routers)), nodes: Array(nodeSites.prefix(nodes)))
  }

  /// Where each process finds its certificates and models, and how it is reached.
  public struct Paths: Sendable {
    public var certificates: String
    public var models: String
    public init(certificates: String, models: String) {
      self.certificates = certificates
      self.models = models
    }
  }

  public func routerArguments(_ router: Site, listen: String, clusterListen: String, paths: Paths) -> [String] {
    [
      "--id", router.id, "--location", "\(router.location)",
      "--listen", listen, "--cluster-listen", clusterListen,
      "--ca", "\(paths.certificates)/ca.pem",
      "--cert", "\(paths.certificates)/\(router.id).pem", "--key", "\(paths.certificates)/\(router.id)-key.pem",
    ]
  }

  /// A node's command line; without `advertise` it advertises the address it bound.
  public func nodeArguments(_ site: Site, listen: String, advertise: String?, routers: [String], paths: Paths) -> [String] {
    var arguments = ["--id", site.id, "--region", site.region, "--location", "\(site.location)", "--listen", listen]
    if let advertise { arguments += ["--advertise", advertise] }
    arguments += ["--models", paths.models]
    for router in routers { arguments += ["--router", router] }
    arguments += [
      "--ca", "\(paths.certificates)/ca.pem",
      "--cert", "\(paths.certificates)/\(site.id).pem", "--key", "\(paths.certificates)/\(site.id)-key.pem",
    ]
    for caller in allowedCallers { arguments += ["--allow", caller] }
    return arguments
  }

  /// Who may call a node's inference: the routers, and the client certificate (the demo's
  /// clients may call nodes directly, `edgeinfer infer --direct`); not other nodes.
  public var allowedCallers: [String] {
    routers.map(\.id) + ["client"]
  }

  static func site(_ id: String, _ region: String, _ city: String, _ latitude: Double, _ longitude: Double) -> Site {
    Site(id: id, region: region, city: city, location: try! GeoPoint(latitude: latitude, longitude: longitude))
  }
}
