import EdgeRuntime
public import EdgeWire
public import EdgeProto
public import EdgeObservability
public import EdgeRouting
public import GRPCCore
public import GRPCNIOTransportHTTP2
public import Logging
import EdgeServer
import Tracing

/// Sends a call to the best node that serves a model (NodeSelector) and, when that node cannot
/// be reached or says it is unavailable before answering, to the next, within the caller's
/// deadline and the router's retry budget. Every other answer, success or error, is the node's
/// and is passed on as it is. Failures of the node's making count against its estimate, and
/// answers wear them off.
public struct NodeForwarder: Sendable {
  public let view: ClusterView
  public let pool: NodeClientPool
  /// The data plane's links to nodes, for ModelInfer (RawModelInferCaller).
  public let links: NodeLinkPool
  public let logger: Logger
  /// Where shed requests are logged, once per interval.
  public var refusals: RefusalLog?
  public let metrics: RouterMetrics
  /// The deadline for callers that set none.
  public var defaultTimeout: Duration = .seconds(30)
  /// The longest deadline a caller may ask for; longer ones are refused.
  public var maxDeadline: Duration = .seconds(300)
  /// Hedge requests that send no `x-edge-hedge` after this long; nil for no hedging.
  public var defaultHedgeDelay: Duration?
  /// How often the router checks that the nodes requests wait on are still in rotation (one check
  /// for all requests, ClusterView.watchRotation; see AttemptPlan). A node that hangs (stopped, not dead) holds its requests without failing them; once the health
  /// checks take it out, its waiting requests are sent to the next node, since none of them
  /// has been answered.
  public var rescueInterval: Duration = .milliseconds(100)
  /// Residency bounds: the router's region and whether it carries transit traffic.
  public var residency: ResidencyResolver
  /// Makes an `attempt` span per node tried, under the request's span; nil makes none.
  public var tracer: RequestTracer?

  public init(
    view: ClusterView, pool: NodeClientPool, links: NodeLinkPool, metrics: RouterMetrics = RouterMetrics(), logger: Logger
  ) {
    self.view = view
    self.metrics = metrics
    self.pool = pool
    self.links = links
    self.logger = logger
    self.residency = ResidencyResolver(metrics: metrics)
  }

  /// The outcome of a forwarded call: the node's answer and how it was reached.
  public struct Outcome<Response: Sendable>: Sendable {
    public var response: Response
    public var node: RankedNode
    public var attempts: Int
  }

  /// Forwards a call made through the router's pooled connections.
  public func forward<Response: Sendable>(
    model: String, version: String, metadata: Metadata, received: ContinuousClock.Instant,
    _ call: @escaping @Sendable (PooledNodeCaller<Response>.Client, CallOptions) async throws -> Response
  ) async throws -> Outcome<Response> {
    try await forward(
      model: model, version: version, metadata: metadata, received: received, via: PooledNodeCaller(pool: pool, call))
  }

  public func forward<Via: NodeCaller>(
    model: String, version: String, metadata: Metadata, received: ContinuousClock.Instant, via caller: Via
  ) async throws -> Outcome<Via.Response> {
    metrics.requestStarted()
    let bound = try residency.bound(in: metadata, caller: Caller.current)
    return try await view.withRequest {
      try await attempt(model: model, version: version, metadata: metadata, received: received, bound: bound, via: caller)
    }
  }

  /// Why no node may take a request, counting residency refusals.
  func noCandidate(model: String, version: String, bound: ResidencyBound?) -> RPCError {
    metrics.counted(view.noCandidateError(model: model, version: version, bound: bound))
  }

  /// How one attempt on one node ended.
  private enum NodeResult<Response: Sendable>: Sendable {
    case answered(Response, RankedNode)
    case refused(AttemptRefusal, RPCError)
    case failed(RPCError)
  }

  /// What the attempt loop waits for: an attempt's end, the hedging delay, or the router's check
  /// (the node waited on left the rotation, or the deadline passed).
  private enum Step<Response: Sendable>: Sendable {
    case ended(node: String, NodeResult<Response>)
    case hedgeDelayPassed
    /// The router's check woke the watch on this node (it left the rotation, or the deadline
    /// passed).
    case checked(node: String)
  }

  /// Drives the request's AttemptPlan: launches what it asks for (taking the best candidate not
  /// tried, within the retry budget), reports each attempt's end, the hedging delay and the node
  /// waited on leaving the rotation, and answers or fails when it says so. Attempts run in a task
  /// group; no timer is set unless the request hedges.
  private func attempt<Via: NodeCaller>(
    model: String, version: String, metadata: Metadata, received: ContinuousClock.Instant, bound: ResidencyBound?,
    via caller: Via
  ) async throws -> Outcome<Via.Response> {
    let location = try RequestMetadata.location(in: metadata)
    let mode = try RequestMetadata.routeMode(in: metadata)
    let hedgeDelay = try RequestMetadata.hedgeDelay(in: metadata) ?? defaultHedgeDelay
    let timeout = GRPCTimeout.from(metadata)
    try InferenceError.mapped { () throws(InferenceError) in try RequestLimits(maxDeadline: maxDeadline).checkDeadline(timeout) }
    let deadline = received + (timeout ?? defaultTimeout)
    return try await withThrowingTaskGroup(of: Step<Via.Response>.self) { group in
      var plan = AttemptPlan(arrived: received, hedgeDelay: hedgeDelay, deadline: deadline)
      let settled = Settlement()
      var lastError: RPCError?
      var answer: (response: Via.Response, node: RankedNode)?
      var hedgeArmed = false
      var watching: String?

      func launch(_ kind: AttemptKind) async throws -> AttemptEvent {
        let isRetry = kind != .first
        // A retry, hedge or rescue only within the budget, so an outage does not multiply the
        // load. A failover or rescue waits for a slot within its deadline: when a node dies or
        // hangs, all of its requests need another node at once, and the budget is there to
        // bound retries in flight, not to lose the requests beyond it. A hedge is an extra and
        // does not wait.
        // With no node left to try, there is nothing to wait for: the caller gets the last
        // refusal now (under overload with one node, waiting held every refused request until
        // its deadline).
        var ranked = view.rank(model: model, version: version, from: location, excluding: plan.tried, mode: mode, within: bound)
        if isRetry {
          guard !ranked.isEmpty else { return .blocked(kind: kind, .noCandidate) }
          let granted = kind == .hedge ? view.tryRetry() : await view.waitForRetry(until: deadline)
          guard granted else {
            metrics.failoverRefusedByBudget()
            return .blocked(kind: kind, .budgetSpent)
          }
          // The wait may have changed the field.
          ranked = view.rank(model: model, version: version, from: location, excluding: plan.tried, mode: mode, within: bound)
        }
        let remaining = ContinuousClock.now.duration(to: deadline)
        if kind == .first, remaining > .zero, let pushback = LoadShedding.pushback(candidates: ranked, remaining: remaining) {
          metrics.requestShed()
          refusals?.refused("shed", "no node can start '\(ClientText.loggable(model))' before the request's deadline")
          throw RPCError(
            code: .resourceExhausted,
            message: "no node can start '\(model)' in time for the request's deadline (the soonest has about \((pushback + remaining * LoadShedding.startWithin).wholeMilliseconds) ms of work ahead of it)",
            metadata: ["grpc-retry-pushback-ms": "\(max(1, pushback.wholeMilliseconds))"])
        }
        guard let candidate = ranked.first, remaining > .zero else {
          if isRetry { view.retryFinished() }
          return .blocked(kind: kind, ranked.isEmpty ? .noCandidate : .deadlinePassed)
        }
        metrics.attemptLaunched(kind, node: candidate.node.id)
        group.addTask {
          defer { if isRetry { view.retryFinished() } }
          return .ended(node: candidate.node.id, await one(candidate, model: model, version: version, timeout: remaining, via: caller, settled: settled))
        }
        return .launched(node: candidate.node.id, kind: kind)
      }

      var decision = plan.start()
      while true {
        // A caller that left (cancelled, or its deadline passed at the router's server) ends
        // the request: nothing more is launched for it.
        if Task.isCancelled, case .launch = decision {
          group.cancelAll()
          throw callerLeft(deadline: deadline, attempts: plan.attempts)
        }
        switch decision {
        case .launch(let kind):
          decision = plan.handle(try await launch(kind))
        case .wait:
          if !hedgeArmed, let wake = plan.nextWake {
            hedgeArmed = true
            group.addTask {
              try? await Task.sleep(until: wake, clock: .continuous)
              return .hedgeDelayPassed
            }
          }
          // No timer per request for the rescue or the deadline: the router's one check wakes
          // the requests whose node left or whose deadline passed.
          // With two attempts in flight nothing more is launched, but the deadline still holds.
          if let node = plan.watched ?? plan.inFlight.first, watching != node {
            watching = node
            // A node taken while out of the rotation (a router in panic serves every live node)
            // cannot leave it: only the deadline is watched.
            let leaving = view.isInRotation(node) ? node : nil
            group.addTask {
              _ = await view.attemptWatch.wait(on: leaving, until: deadline)
              return .checked(node: node)
            }
          }
          guard let step = try await group.next() else {
            throw RPCError(code: .unavailable, message: "no node could serve '\(model)' after \(plan.attempts) attempt(s)")
          }
          if Task.isCancelled {
            group.cancelAll()
            throw callerLeft(deadline: deadline, attempts: plan.attempts)
          }
          switch step {
          case .hedgeDelayPassed, .checked:
            if case .hedgeDelayPassed = step { hedgeArmed = false }
            if case .checked(let node) = step, node == watching { watching = nil }
            let left = plan.inFlight.filter { !view.isInRotation($0) }
            decision = plan.handle(.tick(now: .now, leftRotation: left))
            if decision == .launch(.rescue), let node = left.first {
              logger.warning("node left the rotation with a request waiting; sent to the next", metadata: ["node": "\(node)"])
            }
          case .ended(let node, .answered(let response, let ranked)):
            answer = (response, ranked)
            decision = plan.handle(.answered(node: node))
          case .ended(let node, .failed(let error)):
            lastError = error
            decision = plan.handle(.failed(node: node))
          case .ended(let node, .refused(let refusal, let error)):
            lastError = error
            // A node refusing for load is routine under overload (the failovers it causes are
            // counted); a warning per refused request would cost the router most when it has
            // least to spare.
            logger.log(
              level: refusal == .overloaded || refusal == .cancelled ? .debug : refusal == .modelNotReady ? .info : .warning,
              refusal == .modelNotReady ? "model not ready on the node, trying the next" : "node unavailable, trying the next",
              metadata: ["node": "\(node)", "error": "\(error.message)"])
            decision = plan.handle(.refused(node: node, refusal))
          }
        case .answer:
          settled.end()
          group.cancelAll()
          guard let answer else { throw RPCError(code: .internalError, message: "router lost an answer") }
          return Outcome(response: answer.response, node: answer.node, attempts: plan.attempts)
        case .fail(let failure):
          settled.end()
          group.cancelAll()
          throw error(for: failure, model: model, version: version, mode: mode, bound: bound, last: lastError)
        }
      }
    }
  }

  /// The error for a request whose caller left: past its deadline, the deadline's; else a
  /// cancellation (nobody reads it; the server needs one).
  private func callerLeft(deadline: ContinuousClock.Instant, attempts: Int) -> RPCError {
    if ContinuousClock.now >= deadline - .milliseconds(10) {
      return RPCError(code: .deadlineExceeded, message: "deadline passed after \(attempts) attempt(s)")
    }
    return RPCError(code: .cancelled, message: "the caller cancelled the request")
  }

  /// The caller's error for a request that ended without an answer.
  private func error(
    for failure: AttemptFailure, model: String, version: String, mode: RouteMode, bound: ResidencyBound?, last: RPCError?
  ) -> RPCError {
    switch failure {
    case .noCandidate:
      metrics.requestUnrouted()
      if case .pinned(let id) = mode, bound == nil {
        return RPCError(code: .unavailable, message: "node '\(id)' is not in rotation with '\(model)' ready")
      }
      return noCandidate(model: model, version: version, bound: bound)
    case .deadlinePassed(let attempts):
      return RPCError(code: .deadlineExceeded, message: "deadline passed after \(attempts) attempt(s)")
    case .budgetSpent(let attempts, let refusal):
      // The last node refused for load: the caller gets that refusal and its pushback, so it
      // backs off, rather than an UNAVAILABLE that well-behaved clients retry at once.
      if refusal == .overloaded, let last { return Self.passedOn(last) }
      return RPCError(
        code: .unavailable, message: "router retry budget spent after \(attempts) attempt(s); last: \(last?.message ?? "")")
    case .exhausted(let attempts, let refusal):
      // Every node that had the model said it is not ready after all: the registry knows it
      // now, and the caller gets the router's own reason.
      if refusal == .modelNotReady { return noCandidate(model: model, version: version, bound: bound) }
      if refusal == .overloaded, let last { return Self.passedOn(last) }
      return RPCError(
        code: .unavailable, message: "no node could serve '\(model)' after \(attempts) attempt(s); last: \(last?.message ?? "")")
    case .callerLeft(let attempts):
      return RPCError(code: .cancelled, message: "the caller cancelled the request after \(attempts) attempt(s)")
    case .answeredWithError:
      return last ?? RPCError(code: .unknown, message: "node failed without an error")
    }
  }

  /// One attempt on one node, with the node's share of the blame recorded. An answer about the
  /// model alone (not ready, not found there) takes the node out of that model's ranking and
  /// blames the node for nothing.
  private func one<Via: NodeCaller>(
    _ candidate: RankedNode, model: String, version: String, timeout: Duration, via caller: Via, settled: Settlement
  ) async -> NodeResult<Via.Response> {
    // Traced under the request's span only: the calls without one (metadata, configuration)
    // start no trace of their own.
    guard let tracer, let parent = ServiceContext.current else {
      return await untraced(candidate, model: model, version: version, timeout: timeout, via: caller, settled: settled)
    }
    let span = tracer.startSpan("attempt", context: parent, kind: .client)
    let result = await ServiceContext.withValue(span.context) {
      await untraced(candidate, model: model, version: version, timeout: timeout, via: caller, settled: settled)
    }
    guard span.isRecording else {
      span.end()
      return result
    }
    span.attributes["edge.node"] = candidate.node.id
    span.attributes["edge.region"] = candidate.node.region
    span.attributes["edge.distance_km"] = candidate.distanceKilometres
    switch result {
    case .answered: break
    case .refused(let refusal, let error):
      span.attributes["edge.refusal"] = "\(refusal)"
      span.setStatus(SpanStatus(code: .error, message: error.message))
    case .failed(let error):
      span.setStatus(SpanStatus(code: .error, message: error.message))
    }
    span.end()
    return result
  }

  private func untraced<Via: NodeCaller>(
    _ candidate: RankedNode, model: String, version: String, timeout: Duration, via caller: Via, settled: Settlement
  ) async -> NodeResult<Via.Response> {
    let id = candidate.node.id
    let sent = ContinuousClock.now
    do {
      // A cancelled request leaves the node's stream to end with the node's answer unless
      // the reset budget allows a reset (StreamResetBudget): a storm of cancellations must not
      // become a storm of resets that closes the connection every other request shares.
      let deadline = ContinuousClock.now + timeout
      // A call left running ends a second past its deadline at the latest: a node that never
      // answers (stopped, not dead) must not hold a stream and a task forever.
      let response = try await DetachableCall.run(
        { [view] in
          // Counted until the node is done with the call, even after the caller left.
          view.attemptStarted(id)
          defer { view.attemptEnded(id) }
          return try await caller.call(candidate, timeout: timeout)
        },
        mayCancel: { [view] in
          if !settled.isEnded, ContinuousClock.now < deadline - .milliseconds(10) { settled.callerLeftBeforeDeadline() }
          return view.mayResetStream(to: id, deadline: deadline)
        },
        backstop: deadline + .seconds(1),
        orphaned: { response in
          // Metered only when the caller left before its deadline: an attempt that lost to
          // another is the router's choice, and one that ran past the deadline the node was told
          // is not the caller's doing.
          if settled.chargesLateAnswers { caller.answeredAfterCallerLeft(response) }
        })
      view.recordSuccess(id)
      metrics.attemptAnswered(node: id, elapsed: .now - sent)
      return .answered(response, candidate)
    } catch where Task.isCancelled {
      // The other attempt won (or the caller left): no fault of the node's.
      return .refused(.cancelled, RPCError(code: .cancelled, message: "attempt cancelled"))
    } catch let error as RPCError where error.isModelCondition {
      view.markModelUnavailable(id, model: model, version: version)
      return .refused(.modelNotReady, error)
    } catch let error as RPCError where error.allowsFailover {
      if error.code == .unavailable { view.markUnreachable(id) }
      view.recordFailure(id)
      return .refused(error.code == .resourceExhausted ? .overloaded : .unavailable, error)
    } catch let error as RPCError {
      if Self.isNodeFailure(error) { view.recordFailure(id) }
      return .failed(Self.passedOn(error))
    } catch {
      // Failing to even set up a client for the address is the node's fault, not the caller's.
      view.markUnreachable(id)
      view.recordFailure(id)
      return .refused(.unavailable, RPCError(code: .unavailable, message: "\(error)"))
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
