public import EdgeRouting
public import EdgeSecurity

/// How to reach a router (or a node) and on whose behalf.
public struct EdgeClientConfiguration: Sendable {
  public var target: ServiceAddress
  public var security: TransportSecurityMode
  /// The name to verify in the server's certificate when it differs from the target host.
  public var serverName: String?
  /// Deadline of each call.
  public var timeout: Duration = .seconds(10)
  /// Where the client is; the router routes from its own location when nil.
  public var location: GeoPoint?

  public init(target: ServiceAddress, security: TransportSecurityMode, location: GeoPoint? = nil) {
    self.target = target
    self.security = security
    self.location = location
  }
}
