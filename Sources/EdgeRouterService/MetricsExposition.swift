import Foundation
public import EdgeMetering
public import EdgeRouting
import EdgeServer

/// A router's metrics in the Prometheus text format (version 0.0.4): its counters, whether it
/// is in panic, each known node's place in the rotation, and usage by credential and model.
public enum MetricsExposition {
  public static func render(
    routerID: String, counts: RouterMetrics.Snapshot, rotation: (inRotation: Int, live: Int, panic: Bool), nodes: [NodeHealth],
    usage: [UsageKey: UsageTotals] = [:], nodeConnectionsOpened: UInt64 = 0
  ) -> String {
    var text = ""
    let router = "router=\"\(escape(routerID))\""
    func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
      text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
      for sample in samples { text += "\(name){\(sample.labels)} \(sample.value)\n" }
    }
    func counter(_ name: String, _ help: String, _ value: UInt64) { metric(name, "counter", help, [(router, String(value))]) }
    func gauge(_ name: String, _ help: String, _ value: Int) { metric(name, "gauge", help, [(router, String(value))]) }

    counter("edge_router_requests_total", "Calls forwarded to nodes, each counted once however many attempts it took.", counts.requests)
    counter("edge_router_attempts_total", "Calls made to nodes: first attempts, failovers, hedges and rescues.", counts.attempts)
    counter("edge_router_failovers_total", "Attempts sent to the next node after a node did not take the request.", counts.failovers)
    counter("edge_router_hedges_total", "Second attempts sent after the hedging delay.", counts.hedges)
    counter("edge_router_rescues_total", "Second attempts sent because the node waited on left the rotation.", counts.rescues)
    counter("edge_router_retry_budget_exhausted_total", "Failovers refused because the retry budget was spent.", counts.budgetExhausted)
    counter("edge_router_unrouted_total", "Requests answered without an attempt: no node in rotation could take them.", counts.unrouted)
    counter(
      "edge_router_node_connections_opened_total",
      "Data-plane connections opened to nodes: one per node and event loop, and again after a connection closed.",
      nodeConnectionsOpened)
    counter("edge_router_shed_total", "Requests refused at the router: no node could start them within half the time left before their deadline.", counts.shed)
    counter(
      "edge_router_residency_refused_total",
      "Requests refused for their residency bound: regions outside the key's, a router abroad, or no node inside the bound.",
      counts.residencyRefused)
    gauge("edge_router_panic", "1 while fewer than the panic threshold of live nodes are in rotation.", rotation.panic ? 1 : 0)
    gauge("edge_router_nodes_in_rotation", "Nodes in rotation.", rotation.inRotation)
    gauge("edge_router_nodes_live", "Nodes with current heartbeats, in rotation or not.", rotation.live)
    metric(
      "edge_router_node_in_rotation", "gauge", "1 for a known node in rotation, 0 for one out of it.",
      nodes.map { node in
        ("\(router),node=\"\(escape(node.descriptor.id))\",region=\"\(escape(node.descriptor.region))\"", node.isHealthy ? "1" : "0")
      })
    let usageRows = usage.sorted { $0.key < $1.key }
    func usageCounter(_ name: String, _ help: String, _ value: (UsageTotals) -> UInt64) {
      metric(
        name, "counter", help,
        usageRows.map { row in
          ("\(router),credential=\"\(escape(row.key.credential))\",model=\"\(escape(row.key.model))\"", String(value(row.value)))
        })
    }
    usageCounter("edge_router_usage_requests_total", "Answered inference requests by credential and model.") { $0.requests }
    usageCounter("edge_router_usage_rows_total", "Rows in answered requests by credential and model.") { $0.rows }
    usageCounter("edge_router_usage_input_bytes_total", "Tensor payload bytes received by credential and model.") { $0.inputBytes }
    usageCounter("edge_router_usage_output_bytes_total", "Tensor payload bytes answered by credential and model.") { $0.outputBytes }
    usageCounter(
      "edge_router_usage_compute_microseconds_total",
      "The nodes' measured compute (each request's share of its batch) by credential and model.") { $0.computeMicroseconds }
    return text
  }

  /// Label values escape backslash, double quote and line feed.
  static func escape(_ value: String) -> String {
    value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
      .replacingOccurrences(of: "\n", with: "\\n")
  }
}
