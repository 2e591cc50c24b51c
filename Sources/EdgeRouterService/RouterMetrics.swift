import CoreMetrics
public import EdgeObservability
import EdgeRouting
import EdgeSecurity
import GRPCCore
import Synchronization
import EdgeServer

/// What a router did with the requests it forwarded, counted since it started: the figures that
/// show whether failover and the retry budget behave (attempts per request stays near 1 even
/// in an outage). ListNodes reports the totals (`snapshot`); the metrics page (`service`) has
/// them too, with inference requests by model and status, their times, attempts by kind,
/// selections per node, refusals by cause, and what is sampled at each scrape (EdgeRouter).
public final class RouterMetrics: Sendable {
  static let requests = MetricFamily(
    "edge_router_requests_total", .counter,
    help: "Inference requests answered, by model and gRPC status code (model empty when no node serves the name asked for).")
  static let requestTime = MetricFamily(
    "edge_router_request_seconds", .durations(MetricFamily.requestBuckets),
    help: "Time from an inference request's arrival at the router to its answer, by model.")
  static let routingTime = MetricFamily(
    "edge_router_routing_seconds", .durations(MetricFamily.overheadBuckets),
    help: "Time an answered inference request spent in the router and on the way to and from the node: its end-to-end time less the node's queue and compute time (edge_route_us).")
  static let attempts = MetricFamily(
    "edge_router_attempts_total", .counter, help: "Calls made to nodes, by kind: first, failover, hedge, rescue.")
  static let failovers = MetricFamily(
    "edge_router_failovers_total", .counter, help: "Attempts sent to the next node after a node did not take the request.")
  static let hedges = MetricFamily("edge_router_hedges_total", .counter, help: "Second attempts sent after the hedging delay.")
  static let rescues = MetricFamily(
    "edge_router_rescues_total", .counter, help: "Second attempts sent because the node waited on left the rotation.")
  static let selections = MetricFamily(
    "edge_router_node_selections_total", .counter, help: "Attempts sent to each node, of every kind.")
  static let nodeAttemptTime = MetricFamily(
    "edge_router_node_attempt_seconds", .durations(MetricFamily.requestBuckets),
    help: "Time from sending an attempt to a node to its answer, for attempts the node answered, by node.")
  static let budgetExhaustedFamily = MetricFamily(
    "edge_router_retry_budget_exhausted_total", .counter, help: "Failovers refused because the retry budget was spent.")
  static let unroutedFamily = MetricFamily(
    "edge_router_unrouted_total", .counter, help: "Requests answered without an attempt: no node in rotation could take them.")
  static let shedFamily = MetricFamily(
    "edge_router_shed_total", .counter,
    help: "Requests refused at the router: no node could start them within half the time left before their deadline.")
  static let residencyFamily = MetricFamily(
    "edge_router_residency_refused_total", .counter,
    help: "Requests refused for their residency bound: regions outside the key's, a router abroad, or no node inside the bound.")
  static let refusals = MetricFamily(
    "edge_router_refusals_total", .counter,
    help: "Calls refused before routing, by cause: missing, malformed or unknown key, rate limited, insufficient scope, and the admin checks.")
  static let connectionsOpened = MetricFamily(
    "edge_router_node_connections_opened_total", .counter,
    help: "Data-plane connections opened to nodes: one per node and event loop, and again after a connection closed.")
  static let panic = MetricFamily("edge_router_panic", .gauge, help: "1 while fewer than the panic threshold of live nodes are in rotation.")
  static let inRotation = MetricFamily("edge_router_nodes_in_rotation", .gauge, help: "Nodes in rotation.")
  static let live = MetricFamily("edge_router_nodes_live", .gauge, help: "Nodes with current heartbeats, in rotation or not.")
  static let nodeInRotation = MetricFamily(
    "edge_router_node_in_rotation", .gauge, help: "1 for a known node in rotation, 0 for one out of it, by node and region.")
  static let usageRequests = MetricFamily(
    "edge_router_usage_requests_total", .counter, help: "Answered inference requests by credential and model.")
  static let usageRows = MetricFamily("edge_router_usage_rows_total", .counter, help: "Rows in answered requests by credential and model.")
  static let usageInput = MetricFamily(
    "edge_router_usage_input_bytes_total", .counter, help: "Tensor payload bytes received by credential and model.")
  static let usageOutput = MetricFamily(
    "edge_router_usage_output_bytes_total", .counter, help: "Tensor payload bytes answered by credential and model.")
  static let usageCompute = MetricFamily(
    "edge_router_usage_compute_seconds_total", .counter,
    help: "The nodes' measured compute (each request's share of its batch) by credential and model, in seconds.")
  static let info = MetricFamily("edge_router_info", .gauge, help: "1, labelled with the router's id and region.")

  public static let families = [
    requests, requestTime, routingTime, attempts, failovers, hedges, rescues, selections, nodeAttemptTime, budgetExhaustedFamily,
    unroutedFamily,
    shedFamily, residencyFamily, refusals, connectionsOpened, panic, inRotation, live, nodeInRotation, usageRequests, usageRows,
    usageInput, usageOutput, usageCompute, info,
  ]

  /// The router's metrics page.
  public let service: ServiceMetrics
  /// Whether the page's series are recorded (a router without a metrics listener keeps only the
  /// totals ListNodes reports, so an unscraped page costs requests nothing).
  public let recording: Bool
  private let attemptCounters: [AttemptKind: [CoreMetrics.Counter]]
  private let budgetCounter, unroutedCounter, shedCounter, residencyCounter: CoreMetrics.Counter
  /// Per model and status its count, per model its two histograms, per node its selections and
  /// answered attempts, per cause its refusals.
  private let requestCounts: InstrumentCache<ModelCode, CoreMetrics.Counter>
  private let requestTimes: InstrumentCache<String, (total: CoreMetrics.Timer, routing: CoreMetrics.Timer)>
  private let nodeSelections: InstrumentCache<String, CoreMetrics.Counter>
  private let nodeAttempts: InstrumentCache<String, CoreMetrics.Timer>
  private let refusalCounts: InstrumentCache<String, CoreMetrics.Counter>

  private struct ModelCode: Hashable, Sendable {
    var model: String
    var code: String
  }
  public struct Snapshot: Sendable, Equatable {
    public var requests: UInt64 = 0
    public var attempts: UInt64 = 0
    public var failovers: UInt64 = 0
    public var hedges: UInt64 = 0
    public var rescues: UInt64 = 0
    public var budgetExhausted: UInt64 = 0
    public var unrouted: UInt64 = 0
    /// Requests refused at the router because no node could start them before their deadline.
    public var shed: UInt64 = 0
    /// Requests refused for their residency bound (outside the key's regions, through a router
    /// abroad, or no node inside the bound).
    public var residencyRefused: UInt64 = 0

    public init() {}

    init(
      requests: UInt64, attempts: UInt64, failovers: UInt64, hedges: UInt64, rescues: UInt64, budgetExhausted: UInt64,
      unrouted: UInt64, shed: UInt64, residencyRefused: UInt64
    ) {
      self.requests = requests
      self.attempts = attempts
      self.failovers = failovers
      self.hedges = hedges
      self.rescues = rescues
      self.budgetExhausted = budgetExhausted
      self.unrouted = unrouted
      self.shed = shed
      self.residencyRefused = residencyRefused
    }
  }

  private let requests = Atomic<UInt64>(0)
  private let attempts = Atomic<UInt64>(0)
  private let failovers = Atomic<UInt64>(0)
  private let hedges = Atomic<UInt64>(0)
  private let rescues = Atomic<UInt64>(0)
  private let budgetExhausted = Atomic<UInt64>(0)
  private let unrouted = Atomic<UInt64>(0)
  private let shed = Atomic<UInt64>(0)
  private let residency = Atomic<UInt64>(0)

  public init(router: String = "router", region: String? = nil, recording: Bool = true) {
    let service = ServiceMetrics(families: Self.families)
    self.service = service
    self.recording = recording
    let all = service.counter(Self.attempts, [("kind", "first")])
    attemptCounters = [
      .first: [all],
      .failover: [service.counter(Self.attempts, [("kind", "failover")]), service.counter(Self.failovers)],
      .hedge: [service.counter(Self.attempts, [("kind", "hedge")]), service.counter(Self.hedges)],
      .rescue: [service.counter(Self.attempts, [("kind", "rescue")]), service.counter(Self.rescues)],
    ]
    budgetCounter = service.counter(Self.budgetExhaustedFamily)
    unroutedCounter = service.counter(Self.unroutedFamily)
    shedCounter = service.counter(Self.shedFamily)
    residencyCounter = service.counter(Self.residencyFamily)
    requestCounts = InstrumentCache { service.counter(Self.requests, [("model", $0.model), ("code", $0.code)]) }
    requestTimes = InstrumentCache { model in
      (service.timer(Self.requestTime, [("model", model)]), service.timer(Self.routingTime, [("model", model)]))
    }
    nodeSelections = InstrumentCache { service.counter(Self.selections, [("node", $0)]) }
    nodeAttempts = InstrumentCache { service.timer(Self.nodeAttemptTime, [("node", $0)]) }
    refusalCounts = InstrumentCache { service.counter(Self.refusals, [("reason", $0)]) }
    service.gauge(Self.info, [("router", router), ("region", region ?? "")]).record(1)
  }

  /// An inference request answered: `code` as `RPCError.Code.canonicalName` names it, `model`
  /// only when it names a model some node serves (clients must not mint label values);
  /// `routing` when it was answered with a result.
  func inferenceAnswered(model: String, code: String, total: Duration, routing: Duration?) {
    guard recording else { return }
    requestCounts[ModelCode(model: model, code: code)].increment()
    let times = requestTimes[model]
    times.total.recordNanoseconds(Int64(clamping: total.wholeNanoseconds))
    if let routing { times.routing.recordNanoseconds(Int64(clamping: routing.wholeNanoseconds)) }
  }

  /// An attempt the node answered, `elapsed` after it was sent.
  func attemptAnswered(node: String, elapsed: Duration) {
    guard recording else { return }
    nodeAttempts[node].recordNanoseconds(Int64(clamping: elapsed.wholeNanoseconds))
  }

  /// Drops the per-node series of nodes the router no longer knows (the page shows no series
  /// for a node long gone, and churning nodes cannot grow it without bound).
  func forgetNodes(except known: Set<String>) {
    for counter in nodeSelections.forget(where: { !known.contains($0) }) { counter.destroy() }
    for timer in nodeAttempts.forget(where: { !known.contains($0) }) { timer.destroy() }
  }

  /// A call refused before routing.
  func refused(_ refusal: AccessError) {
    guard recording else { return }
    refusalCounts[refusal.reason].increment()
  }

  func requestStarted() { requests.add(1, ordering: .relaxed) }

  func attemptLaunched(_ launch: AttemptKind, node: String) {
    // The totals ListNodes reports count whether or not the page records.
    attempts.add(1, ordering: .relaxed)
    switch launch {
    case .first: break
    case .failover: failovers.add(1, ordering: .relaxed)
    case .hedge: hedges.add(1, ordering: .relaxed)
    case .rescue: rescues.add(1, ordering: .relaxed)
    }
    guard recording else { return }
    for counter in attemptCounters[launch] ?? [] { counter.increment() }
    nodeSelections[node].increment()
  }

  func failoverRefusedByBudget() {
    budgetExhausted.add(1, ordering: .relaxed)
    if recording { budgetCounter.increment() }
  }

  func requestUnrouted() {
    unrouted.add(1, ordering: .relaxed)
    if recording { unroutedCounter.increment() }
  }

  func requestShed() {
    shed.add(1, ordering: .relaxed)
    if recording { shedCounter.increment() }
  }

  func residencyRefused() {
    residency.add(1, ordering: .relaxed)
    if recording { residencyCounter.increment() }
  }

  /// `error`, counted as a residency refusal when it is one (no node inside a bound).
  func counted(_ error: RPCError) -> RPCError {
    if error.code == .failedPrecondition { residencyRefused() }
    return error
  }

  public func snapshot() -> Snapshot {
    Snapshot(
      requests: requests.load(ordering: .relaxed), attempts: attempts.load(ordering: .relaxed),
      failovers: failovers.load(ordering: .relaxed), hedges: hedges.load(ordering: .relaxed),
      rescues: rescues.load(ordering: .relaxed), budgetExhausted: budgetExhausted.load(ordering: .relaxed),
      unrouted: unrouted.load(ordering: .relaxed), shed: shed.load(ordering: .relaxed),
      residencyRefused: residency.load(ordering: .relaxed))
  }
}
