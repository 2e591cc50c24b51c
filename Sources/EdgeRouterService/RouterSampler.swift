import CoreMetrics
import EdgeMetering
import EdgeObservability
import EdgeRouting
import EdgeWire
import Synchronization

/// What the router's page samples at each scrape from state kept elsewhere: the rotation, each
/// known node's place in it (a departed node's series is removed), usage by credential and model
/// from the ledger, and the connections the data plane opened.
final class RouterSampler: Sendable {
  private let metrics: RouterMetrics
  private let view: ClusterView
  private let usage: UsageRecorder
  private let links: NodeLinkPool
  private let panic, inRotation, live: CoreMetrics.Gauge
  private let connections: MirroredCounter
  private struct NodeKey: Hashable {
    var node: String
    var region: String
  }
  private let nodes = Mutex<[NodeKey: CoreMetrics.Gauge]>([:])
  private let usageCounters = Mutex<[UsageKey: [MirroredCounter]]>([:])

  init(metrics: RouterMetrics, view: ClusterView, usage: UsageRecorder, links: NodeLinkPool) {
    self.metrics = metrics
    self.view = view
    self.usage = usage
    self.links = links
    let service = metrics.service
    panic = service.gauge(RouterMetrics.panic)
    inRotation = service.gauge(RouterMetrics.inRotation)
    live = service.gauge(RouterMetrics.live)
    connections = MirroredCounter(service.floatingCounter(RouterMetrics.connectionsOpened))
  }

  func sample() {
    let service = metrics.service
    let rotation = view.rotation()
    panic.record(rotation.panic ? 1 : 0)
    inRotation.record(Double(rotation.inRotation))
    live.record(Double(rotation.live))
    connections.update(total: Double(links.connectionsOpened))
    let known = view.snapshot()
    nodes.withLock { gauges in
      var current: Set<NodeKey> = []
      for health in known {
        let key = NodeKey(node: health.descriptor.id, region: health.descriptor.region)
        current.insert(key)
        if gauges[key] == nil {
          gauges[key] = service.gauge(RouterMetrics.nodeInRotation, [("node", key.node), ("region", key.region)])
        }
        gauges[key]!.record(health.isHealthy ? 1 : 0)
      }
      for (key, gauge) in gauges where !current.contains(key) {
        gauge.destroy()
        gauges[key] = nil
      }
    }
    metrics.forgetNodes(except: Set(known.map(\.descriptor.id)))
    let totals = usage.totals()
    usageCounters.withLock { counters in
      for (key, total) in totals {
        if counters[key] == nil {
          let labels = [("credential", key.credential), ("model", key.model)]
          counters[key] = [
            RouterMetrics.usageRequests, RouterMetrics.usageRows, RouterMetrics.usageInput, RouterMetrics.usageOutput,
            RouterMetrics.usageCompute,
          ].map { MirroredCounter(service.floatingCounter($0, labels)) }
        }
        let figures = [
          Double(total.requests), Double(total.rows), Double(total.inputBytes), Double(total.outputBytes),
          Double(total.computeMicroseconds) / 1e6,
        ]
        for (counter, figure) in zip(counters[key]!, figures) { counter.update(total: figure) }
      }
    }
  }
}

extension RouterMetrics {
  /// Samples the rotation, nodes, usage and connections before each scrape.
  func sample(view: ClusterView, usage: UsageRecorder, links: NodeLinkPool) {
    let sampler = RouterSampler(metrics: self, view: view, usage: usage, links: links)
    service.onScrape { sampler.sample() }
  }
}
