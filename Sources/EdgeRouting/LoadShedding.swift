/// Refusing at the router a request that no node can finish in time: when even the candidate
/// with the shortest network and queue estimate would start it after its deadline, forwarding it
/// would cost the router and the node the work of a refusal the node must make anyway (a TLS
/// call, a decode, a queue check), and under overload that work is what starves the requests
/// that could be served. Pure; the estimates come from the nodes' heartbeats.
public enum LoadShedding {
  /// The share of a request's remaining time it may wait before it starts. The rest is for
  /// running it and carrying the answer back: a request admitted to start just before its
  /// deadline finishes after it, and a queue deeper than this adds latency, not throughput (the
  /// node is busy either way). Measured at 10x overload (dev/overload.sh): admitting up to the
  /// whole remaining time answered 101 requests a second in time, half of it 214.
  public static let startWithin = 0.5

  /// How long the caller should wait before trying again, when `candidates` cannot start the
  /// request within `startWithin` of `remaining`; nil when one can (or none is known: that is
  /// another error).
  public static func pushback(candidates: [RankedNode], remaining: Duration) -> Duration? {
    guard let soonest = candidates.map({ $0.estimate.network + $0.estimate.queue }).min() else { return nil }
    let budget = remaining * startWithin
    guard soonest > budget else { return nil }
    // The queue ahead must drain by the overshoot before a request with the same deadline fits.
    return soonest - budget
  }
}
