import ArgumentParser
import EdgeClient
import EdgeObservability
import EdgeProto
import Foundation

/// `edgeinfer top`: a live view of a router's nodes, refreshed every interval. Health, region,
/// queue and in flight come from the router's ListNodes; requests per second and p50/p99 from
/// two scrapes of its metrics page (`--metrics`), the per-node figures TopFrame works out.
struct TopCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "top", abstract: "A live view of a router's nodes: health, region, queue, in flight, requests/s, p50/p99.")

  @OptionGroup var connection: ConnectionOptions
  @Option(help: "The router's metrics page, http://HOST:PORT/metrics (cluster up prints it); without it, no rates or latencies.")
  var metrics: String?
  @Option(help: "Seconds between frames.") var interval = 1.0
  @Option(help: "Frames to show before exiting (default: until interrupted).") var frames: Int?

  func run() async throws {
    guard interval >= 0.1 else { throw ValidationError("--interval must be at least 0.1 seconds") }
    if let frames, frames < 1 { throw ValidationError("--frames must be positive") }
    if let metrics, !metrics.hasPrefix("http://") {
      throw ValidationError("--metrics must be the router's page, http://HOST:PORT/metrics, not '\(metrics)'")
    }
    // On a terminal each frame replaces the last; piped, frames follow each other.
    let terminal = isatty(STDOUT_FILENO) == 1
    try await EdgeInferenceClient.withClient(try connection.clientConfiguration()) { client in
      var previous: (samples: [MetricSample], at: ContinuousClock.Instant)?
      var shown = 0
      while frames.map({ shown < $0 }) ?? true {
        let statuses = try await client.nodeStatuses()
        let stats = try await client.routerStats()
        var current: (samples: [MetricSample], at: ContinuousClock.Instant)?
        var problem: String?
        if let metrics {
          do {
            current = (MetricsPageParser.samples(in: try await MetricsPageFetcher.fetch(metrics)), .now)
          } catch {
            problem = "metrics page: \(error)"
          }
        }
        let nodes = statuses.map { info in
          TopFrame.Node(
            id: info.status.nodeID, region: info.status.region, healthy: info.healthy,
            queueDepth: Int(info.status.load.queueDepth), inFlight: Int(info.status.load.inFlight),
            capacity: Int(info.status.load.capacity))
        }
        let frame = TopFrame(
          nodes: nodes, previous: previous?.samples, current: current?.samples,
          elapsed: current.flatMap { now in previous.map { now.at - $0.at } } ?? .zero)
        var text = terminal ? "\u{1B}[H\u{1B}[2J" : (shown > 0 ? "\n" : "")
        text += "\(stats.routerID): \(stats.nodesInRotation) of \(stats.nodesLive) live nodes in rotation\(stats.panic ? " (PANIC)" : "")"
        text += "; \(stats.requests) requests, \(stats.failovers) failovers, \(stats.unrouted) unrouted, \(stats.shed) shed\n"
        text += frame.render() + "\n"
        if let problem { text += problem + "\n" }
        FileHandle.standardOutput.write(Data(text.utf8))
        previous = current ?? previous
        shown += 1
        if frames.map({ shown < $0 }) ?? true { try await Task.sleep(for: .seconds(interval)) }
      }
    }
  }
}
