public import CoreMetrics
import Prometheus
import Synchronization

/// One service's metrics: a Prometheus registry of its own (so a router and nodes in one process,
/// as in the tests, never mix samples), the swift-metrics factory that records into it, the
/// families it may record, and hooks that refresh sampled values (queue depths, process figures)
/// just before each scrape.
public final class ServiceMetrics: Sendable {
  public let factory: any MetricsFactory
  public let families: [MetricFamily]
  private let registry: PrometheusCollectorRegistry
  private let scrapeHooks = Mutex<[@Sendable () -> Void]>([])

  static let buildInfo = MetricFamily(
    "edge_build_info", .gauge, help: "1, labelled with the version and the commit the service was built from.")

  /// The families every service's page has besides its own: the build and the process.
  public static var standardFamilies: [MetricFamily] { [buildInfo] + ProcessMetrics.families }

  /// `families`: the service's own; the standard ones are added.
  public init(families: [MetricFamily]) {
    let all = families + Self.standardFamilies
    var byName: [String: MetricFamily] = [:]
    for family in all {
      precondition(byName[family.name] == nil, "metric family \(family.name) listed twice")
      byName[family.name] = family
    }
    let registry = PrometheusCollectorRegistry()
    self.registry = registry
    self.families = all
    self.factory = CatalogMetricsFactory(registry: registry, families: byName)
    let process = ProcessMetrics(metrics: self)
    onScrape { process.sample() }
    gauge(Self.buildInfo, [("version", BuildInfo.version), ("commit", BuildInfo.commit)]).record(1)
  }

  /// Runs `hook` before every scrape, to set gauges from state kept elsewhere.
  public func onScrape(_ hook: @escaping @Sendable () -> Void) {
    scrapeHooks.withLock { $0.append(hook) }
  }

  /// The page, in Prometheus' text format (version 0.0.4).
  public func render() -> [UInt8] {
    for hook in scrapeHooks.withLock({ $0 }) { hook() }
    return registry.emitToBuffer()
  }

  public func counter(_ family: MetricFamily, _ labels: [(String, String)] = []) -> CoreMetrics.Counter {
    precondition(family.kind == .counter, "\(family.name) is not a counter")
    return CoreMetrics.Counter(label: family.name, dimensions: labels, factory: factory)
  }

  public func floatingCounter(_ family: MetricFamily, _ labels: [(String, String)] = []) -> FloatingPointCounter {
    precondition(family.kind == .counter, "\(family.name) is not a counter")
    return FloatingPointCounter(label: family.name, dimensions: labels, factory: factory)
  }

  public func gauge(_ family: MetricFamily, _ labels: [(String, String)] = []) -> CoreMetrics.Gauge {
    precondition(family.kind == .gauge, "\(family.name) is not a gauge")
    return CoreMetrics.Gauge(label: family.name, dimensions: labels, factory: factory)
  }

  public func timer(_ family: MetricFamily, _ labels: [(String, String)] = []) -> CoreMetrics.Timer {
    guard case .durations = family.kind else { preconditionFailure("\(family.name) is not a histogram of durations") }
    return CoreMetrics.Timer(label: family.name, dimensions: labels, factory: factory)
  }

  public func recorder(_ family: MetricFamily, _ labels: [(String, String)] = []) -> Recorder {
    guard case .values = family.kind else { preconditionFailure("\(family.name) is not a histogram of values") }
    return Recorder(label: family.name, dimensions: labels, aggregate: true, factory: factory)
  }
}
