import EdgeMetering
public import EdgeProto
import EdgeRouting
import Foundation
public import GRPCCore
import GRPCNIOTransportHTTP2
public import Logging
import SwiftProtobuf
import X509
import EdgeServer

/// edgeinfer.v1.Registry on a router. On the cluster listener (mTLS, cluster CA only) it admits
/// nodes and takes their heartbeats, binding each node id to a DNS name in the node's
/// certificate; on the client listener it only answers Route and ListNodes.
public struct RegistryService: Edgeinfer_V1_Registry.SimpleServiceProtocol {
  public let routerID: String
  public let view: ClusterView
  public let acceptsRegistrations: Bool
  public let heartbeatInterval: Duration
  public let metrics: RouterMetrics
  public let logger: Logger
  /// What the router metered, for Usage; nil answers Usage with nothing.
  public var usage: UsageRecorder?
  /// Residency bounds for Route, as for routed calls.
  public var residency: ResidencyResolver?
  /// Ids no node may register under: names every certificate of the cluster carries, the
  /// router's own, the client's and admins' (`SharedNames`), so no certificate but a node's own
  /// can place a node (and its claimed region) in the rotation.
  public var reservedNodeIDs: Set<String> = []

  public init(
    routerID: String, view: ClusterView, acceptsRegistrations: Bool, heartbeatInterval: Duration,
    metrics: RouterMetrics = RouterMetrics(), logger: Logger
  ) {
    self.routerID = routerID
    self.view = view
    self.metrics = metrics
    self.acceptsRegistrations = acceptsRegistrations
    self.heartbeatInterval = heartbeatInterval
    self.logger = logger
  }

  public func register(
    request: Edgeinfer_V1_RegisterRequest, context: ServerContext
  ) async throws -> Edgeinfer_V1_RegisterResponse {
    let node = try admit(request.node, context: context)
    let known = view.record(node)
    if !known {
      logger.info(
        "node registered",
        metadata: ["node": "\(node.id)", "address": "\(node.address)", "region": "\(node.region)", "location": "\(node.location)"])
    }
    return .with {
      $0.routerID = routerID
      $0.heartbeatIntervalMs = UInt32(clamping: heartbeatInterval.wholeMilliseconds)
      $0.expiryMs = UInt32(clamping: view.expiry.wholeMilliseconds)
    }
  }

  public func heartbeat(
    request: Edgeinfer_V1_HeartbeatRequest, context: ServerContext
  ) async throws -> Edgeinfer_V1_HeartbeatResponse {
    let node = try admit(request.node, context: context)
    // An unknown node (the router restarted or pruned it) is told to register again.
    guard view.isKnown(node.id) else { return .with { $0.known = false } }
    view.record(node)
    return .with { $0.known = true }
  }

  public func deregister(
    request: Edgeinfer_V1_DeregisterRequest, context: ServerContext
  ) async throws -> Edgeinfer_V1_DeregisterResponse {
    guard acceptsRegistrations else { throw Self.registrationRefused }
    try checkIdentity(request.nodeID, context: context)
    view.remove(request.nodeID)
    logger.info("node deregistered", metadata: ["node": "\(request.nodeID)"])
    return Edgeinfer_V1_DeregisterResponse()
  }

  public func route(request: Edgeinfer_V1_RouteRequest, context: ServerContext) async throws -> Edgeinfer_V1_RouteResponse {
    guard !request.modelName.isEmpty else { throw RPCError(code: .invalidArgument, message: "model_name is required") }
    var client: GeoPoint?
    if request.hasClientLocation {
      do {
        client = try GeoPoint(latitude: request.clientLocation.latitude, longitude: request.clientLocation.longitude)
      } catch {
        throw RPCError(code: .invalidArgument, message: "client_location: \(error)")
      }
    }
    let caller = Caller.current
    let bound = try residency?.bound(asked: caller?.askedResidency ?? [], caller: caller)
    var ranked = view.rank(model: request.modelName, version: request.modelVersion, from: client, within: bound)
    // An empty ranking is an error with the router's reason, as a routed call would get it.
    if ranked.isEmpty { throw metrics.counted(view.noCandidateError(model: request.modelName, version: request.modelVersion, bound: bound)) }
    if request.maxNodes > 0 { ranked = Array(ranked.prefix(Int(request.maxNodes))) }
    return .with {
      $0.nodes = ranked.map { candidate in
        .with {
          $0.nodeID = candidate.node.id
          $0.address = candidate.node.address
          $0.region = candidate.node.region
          $0.location = Edgeinfer_V1_Location(candidate.node.location)
          $0.distanceKm = candidate.distanceKilometres
        }
      }
    }
  }

  public func listNodes(
    request: Edgeinfer_V1_ListNodesRequest, context: ServerContext
  ) async throws -> Edgeinfer_V1_ListNodesResponse {
    .with {
      $0.nodes = view.snapshot().map { health in
        .with {
          $0.status = health.descriptor.status
          $0.healthy = health.isHealthy
          $0.lastHeartbeatAgeMs = UInt64(health.heartbeatAge.wholeMilliseconds)
        }
      }
      let counts = metrics.snapshot()
      let rotation = view.rotation()
      $0.router = .with {
        $0.routerID = routerID
        $0.panic = rotation.panic
        $0.nodesInRotation = UInt32(clamping: rotation.inRotation)
        $0.nodesLive = UInt32(clamping: rotation.live)
        $0.requests = counts.requests
        $0.attempts = counts.attempts
        $0.failovers = counts.failovers
        $0.hedges = counts.hedges
        $0.rescues = counts.rescues
        $0.budgetExhausted = counts.budgetExhausted
        $0.unrouted = counts.unrouted
        $0.shed = counts.shed
        $0.residencyRefused = counts.residencyRefused
      }
    }
  }

  public func usage(request: Edgeinfer_V1_UsageRequest, context: ServerContext) async throws -> Edgeinfer_V1_UsageResponse {
    guard request.sinceUnixSeconds >= 0 else {
      throw RPCError(code: .invalidArgument, message: "since_unix_seconds must not be negative")
    }
    let since = request.sinceUnixSeconds > 0 ? request.sinceUnixSeconds : nil
    let totals = usage?.totals(since: since) ?? [:]
    return .with {
      $0.routerID = routerID
      $0.sinceUnixSeconds = since.map(UsageLedger.minute(of:)) ?? 0
      $0.untilUnixSeconds = Int64(Date().timeIntervalSince1970)
      $0.rows = totals.sorted { $0.key < $1.key }.map { key, value in
        .with {
          $0.credential = key.credential
          $0.model = key.model
          $0.requests = value.requests
          $0.rows = value.rows
          $0.inputBytes = value.inputBytes
          $0.outputBytes = value.outputBytes
          $0.computeUs = value.computeMicroseconds
        }
      }
    }
  }

  static let registrationRefused = RPCError(
    code: .permissionDenied, message: "registrations are accepted only on the router's cluster listener (mTLS)")

  private func admit(_ status: Edgeinfer_V1_NodeStatus, context: ServerContext) throws -> NodeDescriptor {
    guard acceptsRegistrations else { throw Self.registrationRefused }
    let node: NodeDescriptor
    do {
      node = try status.descriptor()
    } catch {
      throw RPCError(code: .invalidArgument, message: error.description)
    }
    try checkIdentity(node.id, context: context)
    if reservedNodeIDs.contains(node.id), PeerNames.of(context) != nil {
      throw RPCError(
        code: .permissionDenied,
        message: "node id '\(node.id)' is a name that certificates other than a node's carry; a node registers under its own certificate name")
    }
    return node
  }

  /// With mTLS, a node may only speak for the id its certificate names, so one compromised
  /// node cannot take over another's place in the rotation.
  private func checkIdentity(_ nodeID: String, context: ServerContext) throws {
    // Plaintext (--insecure): there is no identity to check.
    guard let names = PeerNames.of(context) else { return }
    guard names.contains(nodeID) else {
      throw RPCError(
        code: .permissionDenied,
        message: "node id '\(nodeID)' is not among the names of the presented certificate (\(names.joined(separator: ", ")))")
    }
  }
}
