import EdgeRouting
import GRPCCore
import EdgeServer

extension ClusterView {
  /// Why no node can take a request for a model: NOT_FOUND when no node serves it at all (the
  /// caller asked for the wrong thing), UNAVAILABLE when nodes serve it but none is in rotation
  /// with it ready (worth asking again later), FAILED_PRECONDITION when the request is bound to
  /// regions where no node has it ready (it is not served elsewhere).
  func noCandidateError(model: String, version: String, bound: ResidencyBound? = nil) -> RPCError {
    if let bound {
      // A model no node serves is the caller's mistake wherever it is bound.
      let known = liveNodes()
      if !known.isEmpty && !known.contains(where: { $0.models.contains { $0.name == model } }) {
        return RPCError(code: .notFound, message: "no node serves model '\(model)'")
      }
      return RPCError(ResidencyRefusal.noNodeInBound(model: model, bound: bound.names))
    }
    let nodes = healthyNodes()
    if nodes.isEmpty {
      return RPCError(code: .unavailable, message: "no healthy node is registered with this router")
    }
    if nodes.contains(where: { $0.models.contains { $0.name == model } }) {
      let what = version.isEmpty ? "model '\(model)'" : "version '\(version)' of model '\(model)'"
      return RPCError(code: .unavailable, message: "no healthy node has \(what) ready")
    }
    return RPCError(code: .notFound, message: "no node serves model '\(model)'")
  }
}
