public import EdgeRuntime
public import EdgeSecurity
import EdgeServer

/// Everything an edge-node needs to start.
public struct NodeConfiguration: Sendable {
  public var identity: NodeIdentity
  /// Where to listen for inference (port 0 picks a free port).
  public var listen: ServiceAddress
  /// host:port the routers should dial; defaults to the listening host and bound port.
  public var advertise: String?
  /// The model repository folder.
  public var repository: String
  /// Routers to register with.
  public var routers: [ServiceAddress]
  public var security: TransportSecurityMode
  /// A separate `edge-executor` to run batches (mTLS); nil runs them in the node's process.
  public var executor: ServiceAddress?
  /// Requests held at once before the node sheds load.
  public var capacity: Int = 64
  /// Bounds on each request; the transport refuses messages of over four times
  /// `limits.maxRequestBytes` outright.
  public var limits = RequestLimits()
  /// Certificate names that may call inference (routers, and clients allowed to call the node
  /// directly); empty: any certificate of the cluster CA. Health checks stay open to the cluster.
  public var allowedPeers: Set<String> = []
  /// Certificate names that may change the node's repository besides its routers' (`--admin`).
  public var adminNames: Set<String> = ["admin"]
  /// Take repository changes over plaintext (`--insecure-admin`); refused otherwise.
  public var insecureAdmin = false
  /// Audit records to this file (JSON lines); nil: the log stream at notice level.
  public var auditLog: String?
  /// Written with the bound and advertised addresses once listening (`address`, `advertise`,
  /// and `metrics` with a metrics listener).
  public var readyFile: String?
  /// Plain HTTP listener for Prometheus (`GET /metrics`); nil: none.
  public var metricsListen: ServiceAddress?

  public init(
    identity: NodeIdentity, listen: ServiceAddress, repository: String, routers: [ServiceAddress],
    security: TransportSecurityMode
  ) {
    self.identity = identity
    self.listen = listen
    self.repository = repository
    self.routers = routers
    self.security = security
  }
}
