import EdgeRouting
import GRPCCore

extension ClusterView {
  /// Why no node can take a request for a model: NOT_FOUND when no node serves it at all (the
  /// caller asked for the wrong thing), UNAVAILABLE when nodes serve it but none is in rotation
  /// with it ready (worth asking again later).
  func noCandidateError(model: String, version: String) -> RPCError {
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
