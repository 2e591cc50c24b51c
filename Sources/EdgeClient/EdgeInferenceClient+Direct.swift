import EdgeProto
public import EdgeRouting
import GRPCCore
import SwiftProtobuf
import Synchronization

extension EdgeInferenceClient {
  /// The nodes a router ranks for a model and a location, best first, asked now.
  public func route(model: String, version: String = "", location: GeoPoint? = nil) async throws -> [DirectNode] {
    try await fetchRoute(model: model, version: version, location: location ?? configuration.location, timeout: nil)
  }

  func fetchRoute(model: String, version: String, location: GeoPoint?, timeout: Duration?) async throws -> [DirectNode] {
    var request = Edgeinfer_V1_RouteRequest()
    request.modelName = model
    request.modelVersion = version
    if let location {
      request.clientLocation = .with {
        $0.latitude = location.latitude
        $0.longitude = location.longitude
      }
    }
    let metadata = metadata()
    let response = try await withRouter(timeout: timeout) { router, options in
      try await Edgeinfer_V1_Registry.Client(wrapping: router).route(request, metadata: metadata, options: options)
    }
    return response.nodes.map {
      DirectNode(id: $0.nodeID, address: $0.address, region: $0.region, distanceKilometres: $0.distanceKm)
    }
  }

  /// Direct mode: the model's ranking (from the route table, or the router when it is stale),
  /// then the nodes in order until one takes the request. A node that answers, even with an
  /// error, ends the call; only a node that did not take the request is passed over.
  func inferDirect(
    _ request: Inference_ModelInferRequest, location: GeoPoint?, timeout: Duration?
  ) async throws -> Inference_ModelInferResponse {
    let deadline = ContinuousClock.now + (timeout ?? configuration.timeout)
    let place = location ?? configuration.location
    let key = RouteTable.Key(
      model: request.modelName, version: request.modelVersion, location: place.map { "\($0.latitude),\($0.longitude)" } ?? "")
    let ranked: [DirectNode]
    if let cached = routes.withLock({ $0.nodes(for: key, at: .now) }) {
      ranked = cached
    } else {
      let fresh = try await fetchRoute(
        model: request.modelName, version: request.modelVersion, location: place,
        timeout: ContinuousClock.now.duration(to: deadline))
      ranked = routes.withLock { table in
        table.store(fresh, for: key, at: .now)
        return table.order(fresh, at: .now)
      }
    }
    guard !ranked.isEmpty else {
      throw RPCError(code: .unavailable, message: "the router has no node in rotation with '\(request.modelName)' ready")
    }

    budget.withLock { $0.requestStarted() }
    defer { budget.withLock { $0.requestFinished() } }
    var lastError = RPCError(code: .unavailable, message: "no attempt made")
    for (index, node) in ranked.enumerated() {
      let isRetry = index > 0
      if isRetry, !budget.withLock({ $0.tryRetry() }) {
        throw RPCError(code: .unavailable, message: "client retry budget spent after \(index) attempt(s); last: \(lastError.message)")
      }
      defer { if isRetry { budget.withLock { $0.retryFinished() } } }
      let remaining = ContinuousClock.now.duration(to: deadline)
      guard remaining > .zero else {
        throw RPCError(code: .deadlineExceeded, message: "deadline passed after \(index) attempt(s); last: \(lastError.message)")
      }
      var options = CallOptions.defaults
      options.timeout = remaining
      do {
        let stub = Inference_GRPCInferenceService.Client(wrapping: try nodes.client(for: node.address))
        let response = try await stub.modelInfer(request, options: options)
        routes.withLock { $0.recordSuccess(node.id) }
        return response
      } catch let error as RPCError where error.isModelCondition && !Task.isCancelled {
        // About this model on that node only: not held against the node for other models, and
        // the ranking is asked afresh next time (the router learns it from heartbeats).
        lastError = error
        routes.withLock { $0.invalidate(key) }
        continue
      } catch let error as RPCError where error.allowsFailover && !Task.isCancelled {
        lastError = error
      } catch let error as RPCError {
        throw error
      } catch {
        // An address the client cannot even dial is the node's problem, not the request's.
        lastError = RPCError(code: .unavailable, message: "node '\(node.id)' at \(node.address): \(error)")
      }
      routes.withLock { $0.recordFailure(node.id, at: .now) }
    }
    // Every node of the ranking failed: ask the router afresh next time.
    routes.withLock { $0.invalidate(key) }
    throw RPCError(
      code: .unavailable, message: "no node could serve '\(request.modelName)' after \(ranked.count) attempt(s); last: \(lastError.message)")
  }
}
