/// Refusing at the router a request that no node can finish in time: when even the candidate
/// with the shortest network and queue estimate would start it after its deadline, forwarding it
/// would cost the router and the node the work of a refusal the node must make anyway (a TLS
/// call, a decode, a queue check), and under overload that work is what starves the requests
/// that could be served. Pure; the estimates come from the nodes' heartbeats.
public enum LoadShedding {
  /// How long the caller should wait before trying again, when `candidates` cannot start the
  /// request within `remaining`; nil when one can (or none is known: that is another error).
  public static func pushback(candidates: [RankedNode], remaining: Duration) -> Duration? {
    guard let soonest = candidates.map({ $0.estimate.network + $0.estimate.queue }).min() else { return nil }
    guard soonest > remaining else { return nil }
    // The queue ahead must drain by the overshoot before a request with the same deadline fits.
    return soonest - remaining
  }
}
