/// How a client reaches the nodes.
public enum EdgeClientMode: Sendable, Equatable {
  /// Every call goes through a router, which picks the node and fails over (the default).
  case routed
  /// The client asks a router for the ranked nodes of a model (`edgeinfer.v1.Registry/Route`),
  /// calls the first itself and fails over down the list: one hop less per request, at the
  /// cost of a connection per node and a Route call per model every `routeRefresh`.
  case direct
}
