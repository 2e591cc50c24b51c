public import EdgeRouting
import EdgeSecurity
public import GRPCCore
public import EdgeServer

/// Works out a request's residency bound at a router: the regions it asks for
/// (`x-edge-residency`) within its API key's, refused when it asks outside them or reaches a
/// router in a region outside its bound that does not carry transit traffic. Every refusal is
/// counted in `edge_router_residency_refused_total`.
public struct ResidencyResolver: Sendable {
  /// The router's region (`--region`); nil claims none and carries everything.
  public var routerRegion: String?
  /// `--transit`: carry bound requests for other regions.
  public var transit: Bool
  public let metrics: RouterMetrics

  public init(routerRegion: String? = nil, transit: Bool = false, metrics: RouterMetrics) {
    self.routerRegion = routerRegion
    self.transit = transit
    self.metrics = metrics
  }

  /// The bound for a request whose `x-edge-residency` values are `asked`, made by `caller`.
  /// Several values (a gateway adding its own to the client's) each bound the request: it may
  /// go only where all of them allow.
  public func bound(asked: [String], caller: Caller?) throws(RPCError) -> ResidencyBound? {
    var requested: ResidencyBound?
    for value in asked {
      switch ResidencyBound.parse(value) {
      case .success(let bound):
        guard let narrowed = requested.map({ ResidencyBound($0.regions.intersection(bound.regions)) }) ?? bound else {
          metrics.residencyRefused()
          throw RPCError(ResidencyRefusal.malformed("the values sent (\(asked.joined(separator: " / "))) have no region in common"))
        }
        requested = narrowed
      case .failure(let refusal):
        metrics.residencyRefused()
        throw RPCError(refusal)
      }
    }
    switch ResidencyBound.resolve(asked: requested, key: caller?.keyRegions, keyName: caller?.credential.name ?? "") {
    case .failure(let refusal):
      metrics.residencyRefused()
      throw RPCError(refusal)
    case .success(let bound):
      if let bound, let refusal = bound.transitRefusal(routerRegion: routerRegion, transit: transit) {
        metrics.residencyRefused()
        throw RPCError(refusal)
      }
      return bound
    }
  }

  public func bound(in metadata: Metadata, caller: Caller?) throws(RPCError) -> ResidencyBound? {
    try bound(asked: Array(metadata[stringValues: RequestMetadata.residency]), caller: caller)
  }
}
