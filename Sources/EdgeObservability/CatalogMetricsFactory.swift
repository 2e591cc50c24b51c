import CoreMetrics
import Prometheus

/// swift-metrics' factory for one service's Prometheus registry: each label is a family of the
/// service's catalog, which gives the page its HELP line and the histogram its buckets (the
/// stock PrometheusMetricsFactory has neither per family). A label outside the catalog (a
/// library's own metric) gets no HELP line and the request buckets.
struct CatalogMetricsFactory: MetricsFactory {
  let registry: PrometheusCollectorRegistry
  let families: [String: MetricFamily]

  private func descriptor(_ label: String) -> MetricNameDescriptor {
    MetricNameDescriptor(metricName: label, unitName: "", helpText: families[label]?.help ?? "")
  }

  func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
    registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
  }

  func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
    registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
  }

  func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
    guard aggregate else { return registry.makeGauge(descriptor: descriptor(label), labels: dimensions) }
    let buckets: [Double] = if case .values(let bounds) = families[label]?.kind { bounds } else { MetricFamily.rowBuckets }
    return registry.makeValueHistogram(descriptor: descriptor(label), labels: dimensions, buckets: buckets)
  }

  func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
    registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
  }

  func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
    let buckets: [Duration] =
      if case .durations(let bounds) = families[label]?.kind { bounds } else { MetricFamily.requestBuckets }
    return registry.makeDurationHistogram(descriptor: descriptor(label), labels: dimensions, buckets: buckets)
  }

  func destroyCounter(_ handler: any CounterHandler) {
    if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
  }

  func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
    if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
  }

  func destroyRecorder(_ handler: any RecorderHandler) {
    if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
    if let histogram = handler as? ValueHistogram { registry.unregisterValueHistogram(histogram) }
  }

  func destroyMeter(_ handler: any MeterHandler) {
    if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
  }

  func destroyTimer(_ handler: any TimerHandler) {
    if let histogram = handler as? DurationHistogram { registry.unregisterDurationHistogram(histogram) }
  }
}
