/// One frame of `edgeinfer top`: a row per node a router knows, from its ListNodes answer (health,
/// region, queue, in flight) and two scrapes of its metrics page a known time apart (requests per
/// second from the selections counter, p50 and p99 from the per-node attempt histogram's growth
/// between them). Pure: the caller fetches and times.
public struct TopFrame: Sendable, Equatable {
  /// What ListNodes says of a node.
  public struct Node: Sendable, Equatable {
    public var id: String
    public var region: String
    public var healthy: Bool
    public var queueDepth: Int
    public var inFlight: Int
    public var capacity: Int

    public init(id: String, region: String, healthy: Bool, queueDepth: Int, inFlight: Int, capacity: Int) {
      self.id = id
      self.region = region
      self.healthy = healthy
      self.queueDepth = queueDepth
      self.inFlight = inFlight
      self.capacity = capacity
    }
  }

  public struct Row: Sendable, Equatable {
    public var node: Node
    /// nil without two scrapes (no metrics page, or the first frame).
    public var requestsPerSecond: Double?
    /// Seconds; nil without answers between the scrapes.
    public var p50: Double?
    public var p99: Double?
  }

  public var rows: [Row]

  public static let selections = "edge_router_node_selections_total"
  public static let attemptBuckets = "edge_router_node_attempt_seconds_bucket"

  public init(nodes: [Node], previous: [MetricSample]?, current: [MetricSample]?, elapsed: Duration) {
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    rows = nodes.sorted { $0.id < $1.id }.map { node in
      guard let previous, let current, seconds > 0 else { return Row(node: node) }
      func value(_ samples: [MetricSample], _ name: String, le: String? = nil) -> Double {
        samples.first { $0.name == name && $0.labels["node"] == node.id && $0.labels["le"] == le }?.value ?? 0
      }
      // A series that went down restarted with the router: its growth is what it holds now.
      // Decided once per series (a histogram's by its +Inf bucket, its total), so a restart
      // never mixes restarted and continuing buckets.
      func growth(_ name: String, le: String? = nil, restarted: Bool) -> Double {
        let now = value(current, name, le: le)
        return restarted ? now : now - value(previous, name, le: le)
      }
      let selectionsRestarted = value(current, Self.selections) < value(previous, Self.selections)
      let histogramRestarted = value(current, Self.attemptBuckets, le: "+Inf") < value(previous, Self.attemptBuckets, le: "+Inf")
      let bounds = Set(current.filter { $0.name == Self.attemptBuckets && $0.labels["node"] == node.id }.compactMap { $0.labels["le"] })
      let buckets = bounds.compactMap { le in
        (le == "+Inf" ? Double.infinity : Double(le)).map {
          (upperBound: $0, count: max(0, growth(Self.attemptBuckets, le: le, restarted: histogramRestarted)))
        }
      }
      return Row(
        node: node, requestsPerSecond: growth(Self.selections, restarted: selectionsRestarted) / seconds, p50: HistogramQuantile.quantile(0.5, buckets: buckets),
        p99: HistogramQuantile.quantile(0.99, buckets: buckets))
    }
  }

  /// The frame as a table, one line per node.
  public func render() -> String {
    func milliseconds(_ seconds: Double?) -> String { seconds.map { formatted($0 * 1000, decimals: 1) } ?? "-" }
    var lines = [columns(["node", "health", "region", "queue", "in flight", "req/s", "p50 ms", "p99 ms"])]
    for row in rows {
      lines.append(
        columns([
          row.node.id, row.node.healthy ? "healthy" : "DOWN", row.node.region, "\(row.node.queueDepth)",
          "\(row.node.inFlight)/\(row.node.capacity)", row.requestsPerSecond.map { formatted($0, decimals: 1) } ?? "-",
          milliseconds(row.p50), milliseconds(row.p99),
        ]))
    }
    return lines.joined(separator: "\n")
  }

  private func columns(_ fields: [String]) -> String {
    let widths = [12, 8, 12, 6, 10, 9, 9, 9]
    return zip(fields, widths).map { field, width in
      field.count >= width ? field + " " : field + String(repeating: " ", count: width - field.count)
    }.joined().trimmingTrailingSpaces()
  }

  private func formatted(_ value: Double, decimals: Int) -> String {
    let scale = decimals == 0 ? 1.0 : 10.0
    let rounded = (value * scale).rounded() / scale
    return decimals == 0 ? "\(Int(rounded))" : "\(rounded)"
  }
}

extension TopFrame.Row {
  init(node: TopFrame.Node) {
    self.init(node: node, requestsPerSecond: nil, p50: nil, p99: nil)
  }
}

extension String {
  fileprivate func trimmingTrailingSpaces() -> String {
    String(reversed().drop { $0 == " " }.reversed())
  }
}
