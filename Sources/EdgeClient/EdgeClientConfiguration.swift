public import EdgeRouting
public import EdgeSecurity

/// How to reach a router (or a node) and on whose behalf.
public struct EdgeClientConfiguration: Sendable {
  public var target: ServiceAddress
  /// More routers of the same cluster, tried in order when the ones before them cannot be
  /// reached (nodes heartbeat to every router, so any of them can route).
  public var fallbackTargets: [ServiceAddress] = []
  public var security: TransportSecurityMode
  /// The name to verify in the server's certificate when it differs from the target host.
  public var serverName: String?
  /// API key for routers that require one (`edgeinfer keys create`), sent as
  /// `authorization: Bearer <key>` to routers only (nodes take cluster certificates instead).
  public var apiKey: String?
  /// Deadline of each call.
  public var timeout: Duration = .seconds(10)
  /// Where the client is; the router routes from its own location when nil.
  public var location: GeoPoint?
  /// Through a router (default) or straight to the nodes it ranks.
  public var mode: EdgeClientMode = .routed
  /// In direct mode, how long a model's ranking is used before the router is asked again.
  public var routeRefresh: Duration = .seconds(1)
  /// In direct mode, how long a node that failed this client stays at the back of its lists.
  public var failurePenalty: Duration = .seconds(5)

  public init(target: ServiceAddress, security: TransportSecurityMode, location: GeoPoint? = nil) {
    self.target = target
    self.security = security
    self.location = location
  }

  /// Every router, in the order they are tried.
  public var targets: [ServiceAddress] { [target] + fallbackTargets }
}
