public import EdgeRouting
public import EdgeSecurity
import EdgeServer

/// Everything an edge-router needs to start.
public struct RouterConfiguration: Sendable {
  public var id: String
  /// Where the router stands; clients that send no location are routed from here.
  public var location: GeoPoint
  /// Listener for clients: TLS, the Open Inference Protocol, Route, ListNodes and health.
  public var listen: ServiceAddress
  /// Listener for nodes: mutual TLS with certificates of the cluster CA only; registrations.
  public var clusterListen: ServiceAddress
  public var security: TransportSecurityMode
  /// How often nodes should beat.
  public var heartbeatInterval: Duration = .milliseconds(500)
  /// A node silent for this long leaves the rotation.
  public var heartbeatExpiry: Duration = .seconds(2)
  /// How often the router checks each node with grpc.health.v1 (and samples its round trip).
  public var healthCheckInterval: Duration = .milliseconds(500)
  /// A check unanswered for this long benches the node (it hangs).
  public var healthCheckTimeout: Duration = .seconds(1)
  /// Hedge every request that sends no `x-edge-hedge` after this long; nil for none.
  public var hedgeDelay: Duration?
  /// Below this share of live nodes in rotation the router panics (Envoy's panic threshold).
  public var panicThreshold = 0.5
  /// In panic, route to every node with current heartbeats (true, as Envoy) or only to those in
  /// rotation (false).
  public var failOpen = true
  /// Largest request accepted from clients, in bytes of tensor data; larger ones are answered
  /// RESOURCE_EXHAUSTED. The transport refuses messages of over four times this outright.
  public var maxMessageBytes: Int = 64 << 20
  /// The longest deadline a client may ask for; longer ones are INVALID_ARGUMENT.
  public var maxDeadline: Duration = .seconds(300)
  /// API key file (`edgeinfer keys create`); when set, clients must send a key. Read again
  /// whenever it changes.
  public var apiKeysFile: String?
  /// Plain HTTP listener for Prometheus (`GET /metrics`); nil for none.
  public var metricsListen: ServiceAddress?
  /// The Open Inference Protocol's HTTP binding (KServe v2 REST): HTTPS with the router's
  /// certificate (no client certificate asked), or plain HTTP on a plaintext router; nil: none.
  public var httpListen: ServiceAddress?
  /// The operator dashboard's listener (`GET /`): HTTPS with the router's certificate, or plain
  /// HTTP on a plaintext router (loopback only); nil: no dashboard.
  public var dashboardListen: ServiceAddress?
  /// Certificate names that may make admin calls on the cluster listener (`--admin`).
  public var adminNames: Set<String> = ["admin"]
  /// Take admin calls over plaintext (`--insecure-admin`); refused otherwise.
  public var insecureAdmin = false
  /// Audit records to this file (JSON lines); nil: the log stream at notice level.
  public var auditLog: String?
  /// The region the router stands in (`--region`): residency-bound requests whose regions
  /// exclude it are refused unless `transit` is set. Nil claims no region.
  public var region: String?
  /// Carry residency-bound requests for regions other than the router's own (`--transit`).
  public var transit = false
  /// Usage records to this file (JSON lines), reloaded at start; nil keeps usage in memory.
  public var usageLog: String?
  /// Written with the bound addresses once listening (`clients`, `cluster`, `metrics`).
  public var readyFile: String?

  public init(
    id: String, location: GeoPoint, listen: ServiceAddress, clusterListen: ServiceAddress,
    security: TransportSecurityMode
  ) {
    self.id = id
    self.location = location
    self.listen = listen
    self.clusterListen = clusterListen
    self.security = security
  }
}
