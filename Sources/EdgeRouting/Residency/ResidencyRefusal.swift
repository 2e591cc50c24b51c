/// Why a residency-bound request is refused. Mapped to gRPC statuses in EdgeServer
/// (RPCError+Inference.swift): malformed INVALID_ARGUMENT, outside the key or through a router
/// abroad PERMISSION_DENIED, no node inside the bound FAILED_PRECONDITION.
public enum ResidencyRefusal: Error, Sendable, Equatable, CustomStringConvertible {
  /// `x-edge-residency` could not be read.
  case malformed(String)
  /// The request asks for regions outside its key's bound.
  case outsideKey(key: String, asked: [String], allowed: [String])
  /// A bound request reached a router in a region outside its bound, not started with `--transit`.
  case transit(routerRegion: String, bound: [String])
  /// No node inside the bound has the model ready; the request is not served elsewhere.
  case noNodeInBound(model: String, bound: [String])

  public var description: String {
    switch self {
    case .malformed(let reason): "x-edge-residency: \(reason)"
    case .outsideKey(let key, let asked, let allowed):
      "API key '\(key)' is bound to regions \(allowed.joined(separator: ",")); the request asked for \(asked.joined(separator: ","))"
    case .transit(let router, let bound):
      "this router is in region \(router) and does not carry requests bound to \(bound.joined(separator: ",")) (edge-router --transit allows it); call a router inside the bound"
    case .noNodeInBound(let model, let bound):
      "no node in region(s) \(bound.joined(separator: ",")) has model '\(model)' ready; requests bound to those regions are not served elsewhere"
    }
  }
}
