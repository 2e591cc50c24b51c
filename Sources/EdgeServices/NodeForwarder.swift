import EdgeRuntime
public import EdgeClient
public import EdgeProto
public import EdgeRouting
public import GRPCCore
public import GRPCNIOTransportHTTP2
public import Logging

/// Sends a call to the best node that serves a model (NodeSelector) and, when that node cannot
/// be reached or says it is unavailable before answering, to the next, within the caller's
/// deadline and the router's retry budget. Every other answer, success or error, is the node's
/// and is passed on as it is. Failures of the node's making count against its estimate, and
/// answers wear them off.
public struct NodeForwarder: Sendable {
  public let view: ClusterView
  public let pool: NodeClientPool
  public let logger: Logger
  public let metrics: RouterMetrics
  /// The deadline for callers that set none.
  public var defaultTimeout: Duration = .seconds(30)
  /// The longest deadline a caller may ask for; longer ones are refused.
  public var maxDeadline: Duration = .seconds(300)
  /// Hedge requests that send no `x-edge-hedge` after this long; nil for no hedging.
  public var defaultHedgeDelay: Duration?
  /// How often a request waiting on a node checks that the node is still in rotation. A node
  /// that hangs (stopped, not dead) holds its requests without failing them; once the health
  /// checks take it out, its waiting requests are sent to the next node, since none of them
  /// has been answered.
  public var rescueInterval: Duration = .milliseconds(100)
  /// Residency bounds: the router's region and whether it carries transit traffic.
  public var residency: ResidencyResolver

  public init(view: ClusterView, pool: NodeClientPool, metrics: RouterMetrics = RouterMetrics(), logger: Logger) {
    self.view = view
    self.metrics = metrics
    self.pool = pool
    self.logger = logger
    self.residency = ResidencyResolver(metrics: metrics)
  }

  /// The outcome of a forwarded call: the node's answer and how it was reached.
  public struct Outcome<Response: Sendable>: Sendable {
    public var response: Response
    public var node: RankedNode
    public var attempts: Int
  }

  public func forward<Response: Sendable>(
    model: String, version: String, metadata: Metadata, received: ContinuousClock.Instant,
    _ call: @escaping @Sendable (Inference_GRPCInferenceService.Client<HTTP2ClientTransport.Posix>, CallOptions) async throws -> Response
  ) async throws -> Outcome<Response> {
    metrics.requestStarted()
    let bound = try residency.bound(in: metadata, caller: Caller.current)
    return try await view.withRequest {
      try await attempt(model: model, version: version, metadata: metadata, received: received, bound: bound, call)
    }
  }

  /// Why no node may take a request, counting residency refusals.
  func noCandidate(model: String, version: String, bound: ResidencyBound?) -> RPCError {
    metrics.counted(view.noCandidateError(model: model, version: version, bound: bound))
  }

  /// What one attempt came to.
  private enum Step<Response: Sendable>: Sendable {
    /// The node answered: the request is done.
    case answered(Response, RankedNode)
    /// The node did not take the request (unreachable, unavailable, shedding): try another.
    case refused(RankedNode, RPCError)
    /// The node answered with an error: passed on as it is.
    case failed(RPCError)
    /// The hedging delay passed with no answer yet.
    case hedge
    /// Time to check that the node still waited on is in rotation.
    case watch
  }

  /// Attempts in a task group: the first candidate at once; the next one when an attempt is
  /// refused, when the hedging delay passes with no answer, or when the node waited on leaves
  /// the rotation (at most one extra attempt in flight, within the retry budget). The first
  /// answer wins and the other attempt is cancelled.
  private func attempt<Response: Sendable>(
    model: String, version: String, metadata: Metadata, received: ContinuousClock.Instant, bound: ResidencyBound?,
    _ call: @escaping @Sendable (Inference_GRPCInferenceService.Client<HTTP2ClientTransport.Posix>, CallOptions) async throws -> Response
  ) async throws -> Outcome<Response> {
    let location = try RequestMetadata.location(in: metadata)
    let mode = try RequestMetadata.routeMode(in: metadata)
    let hedgeDelay = try RequestMetadata.hedgeDelay(in: metadata) ?? defaultHedgeDelay
    let timeout = GRPCTimeout.from(metadata)
    try InferenceError.mapped { () throws(InferenceError) in try RequestLimits(maxDeadline: maxDeadline).checkDeadline(timeout) }
    let deadline = received + (timeout ?? defaultTimeout)
    return try await withThrowingTaskGroup(of: Step<Response>.self) { group in
      var excluded = Set<String>()
      var lastError: RPCError?
      var attempts = 0
      var running = 0
      /// Nodes with an attempt in flight.
      var waitingOn = Set<String>()
      let rescueInterval = self.rescueInterval
      func watch() {
        group.addTask {
          try? await Task.sleep(for: rescueInterval)
          return .watch
        }
      }

      /// Starts the best candidate not tried yet; false when there is none (or, for a hedge or
      /// rescue, no budget left).
      func launchNext(_ launch: RouterMetrics.Launch) async throws -> Bool {
        let isRetry = attempts > 0
        // A retry, hedge or rescue only within the budget, so an outage does not multiply the
        // load. A failover or rescue waits for a slot within its deadline: when a node dies or
        // hangs, all of its requests need another node at once, and the budget is there to
        // bound retries in flight, not to lose the requests beyond it. A hedge is an extra and
        // does not wait.
        if isRetry {
          let granted = launch == .hedge ? view.tryRetry() : await view.waitForRetry(until: deadline)
          guard granted else {
            metrics.failoverRefusedByBudget()
            if launch != .failover { return false }
            if let lastError, lastError.code == .resourceExhausted { throw Self.passedOn(lastError) }
            throw RPCError(
              code: .unavailable, message: "router retry budget spent after \(attempts) attempt(s); last: \(lastError?.message ?? "")")
          }
        }
        let ranked = view.rank(model: model, version: version, from: location, excluding: excluded, mode: mode, within: bound)
        let remaining = ContinuousClock.now.duration(to: deadline)
        if launch == .first, remaining > .zero, let pushback = LoadShedding.pushback(candidates: ranked, remaining: remaining) {
          metrics.requestShed()
          throw RPCError(
            code: .resourceExhausted,
            message: "no node can start '\(model)' before the request's deadline (the soonest has about \((pushback + remaining).wholeMilliseconds) ms of work ahead of it)",
            metadata: ["grpc-retry-pushback-ms": "\(max(1, pushback.wholeMilliseconds))"])
        }
        guard let candidate = ranked.first else {
          if isRetry { view.retryFinished() }
          return false
        }
        guard remaining > .zero else {
          if isRetry { view.retryFinished() }
          throw RPCError(code: .deadlineExceeded, message: "deadline passed after \(attempts) attempt(s)")
        }
        attempts += 1
        metrics.attemptLaunched(launch)
        running += 1
        excluded.insert(candidate.node.id)
        waitingOn.insert(candidate.node.id)
        group.addTask {
          defer { if isRetry { view.retryFinished() } }
          return await one(candidate, model: model, version: version, timeout: remaining, call)
        }
        return true
      }

      guard try await launchNext(.first) else {
        metrics.requestUnrouted()
        if case .pinned(let id) = mode, bound == nil {
          throw RPCError(code: .unavailable, message: "node '\(id)' is not in rotation with '\(model)' ready")
        }
        throw noCandidate(model: model, version: version, bound: bound)
      }
      if let hedgeDelay {
        group.addTask {
          try? await Task.sleep(for: hedgeDelay)
          return .hedge
        }
      }
      watch()
      while let step = try await group.next() {
        switch step {
        case .answered(let response, let node):
          group.cancelAll()
          return Outcome(response: response, node: node, attempts: attempts)
        case .failed(let error):
          group.cancelAll()
          throw error
        case .refused(let node, let error):
          running -= 1
          waitingOn.remove(node.node.id)
          lastError = error
          // A node refusing for load is routine under overload (the failovers it causes are
          // counted); a warning per refused request would cost the router most when it has
          // least to spare.
          logger.log(
            level: error.code == .resourceExhausted ? .debug : error.isModelCondition ? .info : .warning,
            error.isModelCondition ? "model not ready on the node, trying the next" : "node unavailable, trying the next",
            metadata: ["node": "\(node.node.id)", "error": "\(error.message)"])
          if running == 0, try await !launchNext(.failover) {
            group.cancelAll()
            // Every node that had the model said it is not ready after all: the registry knows
            // it now, and the caller gets the router's own reason.
            if error.isModelCondition { throw noCandidate(model: model, version: version, bound: bound) }
            // The last node refused for load: the caller gets that refusal and its pushback, so
            // it backs off, rather than an UNAVAILABLE that well-behaved clients retry at once.
            if error.code == .resourceExhausted { throw Self.passedOn(error) }
            throw RPCError(
              code: .unavailable, message: "no node could serve '\(model)' after \(attempts) attempt(s); last: \(error.message)")
          }
        case .hedge:
          if running == 1, !Task.isCancelled { _ = try await launchNext(.hedge) }
        case .watch:
          guard running > 0, !Task.isCancelled else { break }
          if running == 1, let node = waitingOn.first, !view.isInRotation(node), try await launchNext(.rescue) {
            logger.warning("node left the rotation with a request waiting; sent to the next", metadata: ["node": "\(node)"])
          }
          watch()
        }
      }
      throw RPCError(code: .unavailable, message: "no node could serve '\(model)' after \(attempts) attempt(s)")
    }
  }

  /// One attempt on one node, with the node's share of the blame recorded. An answer about the
  /// model alone (not ready, not found there) takes the node out of that model's ranking and
  /// blames the node for nothing.
  private func one<Response: Sendable>(
    _ candidate: RankedNode, model: String, version: String, timeout: Duration,
    _ call: @Sendable (Inference_GRPCInferenceService.Client<HTTP2ClientTransport.Posix>, CallOptions) async throws -> Response
  ) async -> Step<Response> {
    let id = candidate.node.id
    do {
      let client = try pool.client(for: candidate.node.address)
      var options = CallOptions.defaults
      options.timeout = timeout
      let response = try await call(Inference_GRPCInferenceService.Client(wrapping: client), options)
      view.recordSuccess(id)
      return .answered(response, candidate)
    } catch where Task.isCancelled {
      // The other attempt won (or the caller left): no fault of the node's.
      return .refused(candidate, RPCError(code: .cancelled, message: "attempt cancelled"))
    } catch let error as RPCError where error.isModelCondition {
      view.markModelUnavailable(id, model: model, version: version)
      return .refused(candidate, error)
    } catch let error as RPCError where error.allowsFailover {
      if error.code == .unavailable { view.markUnreachable(id) }
      view.recordFailure(id)
      return .refused(candidate, error)
    } catch let error as RPCError {
      if Self.isNodeFailure(error) { view.recordFailure(id) }
      return .failed(Self.passedOn(error))
    } catch {
      // Failing to even set up a client for the address is the node's fault, not the caller's.
      view.markUnreachable(id)
      view.recordFailure(id)
      return .refused(candidate, RPCError(code: .unavailable, message: "\(error)"))
    }
  }

  /// Errors that say something about the node rather than the request: they count against its
  /// score. A caller's bad input or a missing model does not.
  static func isNodeFailure(_ error: RPCError) -> Bool {
    switch error.code {
    case .internalError, .unknown, .dataLoss, .unavailable, .resourceExhausted: return true
    default: return false
    }
  }

  /// A node's error as the router's own: same code and message, with only the metadata a caller
  /// may use. The node's trailers also hold transport headers (`:status`, `content-type`,
  /// `grpc-status`) that must not be sent again as the router's trailers.
  static func passedOn(_ error: RPCError) -> RPCError {
    var metadata = Metadata()
    for (key, value) in error.metadata {
      let lowered = key.lowercased()
      // The per-model mark is between a node and its router: passed on, it would make clients
      // fail over to other routers for what the router already decided.
      guard !lowered.hasPrefix(":"), lowered != "content-type", lowered == "grpc-retry-pushback-ms" || !lowered.hasPrefix("grpc-"),
        lowered != RPCError.modelConditionKey
      else { continue }
      switch value {
      case .string(let text): metadata.addString(text, forKey: key)
      case .binary(let bytes): metadata.addBinary(bytes, forKey: key)
      }
    }
    return RPCError(code: error.code, message: error.message, metadata: metadata)
  }
}
