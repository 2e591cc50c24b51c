import CoreMetrics
import EdgeObservability
import Testing

/// `edgeinfer top`'s arithmetic: reading a page back, quantiles from buckets, and a frame's rows
/// from two scrapes a known time apart.
struct TopFrameTests {
  @Test func aRenderedPageReadsBackIntoItsSamples() {
    let family = MetricFamily("edge_test_total", .counter, help: "A test family.")
    let metrics = ServiceMetrics(families: [family])
    metrics.counter(family, [("node", "a\"b\\c\nd"), ("region", "eu")]).increment(by: 7)
    let samples = MetricsPageParser.samples(in: String(decoding: metrics.render(), as: UTF8.self))
    #expect(samples.contains(MetricSample(name: "edge_test_total", labels: ["node": "a\"b\\c\nd", "region": "eu"], value: 7)))
    #expect(samples.contains { $0.name == "edge_build_info" && $0.labels["version"] == BuildInfo.version })
    #expect(MetricsPageParser.samples(in: "# HELP x y\nnot a sample\nx{a=\"1\"} 2.5\ny +Inf\n")
      == [MetricSample(name: "x", labels: ["a": "1"], value: 2.5), MetricSample(name: "y", value: .infinity)])
  }

  @Test func quantilesInterpolateInsideTheirBucket() {
    let buckets: [(upperBound: Double, count: Double)] = [(0.001, 10), (0.01, 90), (0.1, 100), (.infinity, 100)]
    #expect(HistogramQuantile.quantile(0.05, buckets: buckets) == 0.0005)
    // Rank 50 falls in (0.001, 0.01], 40 of its 80 observations in.
    #expect(abs(HistogramQuantile.quantile(0.5, buckets: buckets)! - 0.0055) < 1e-12)
    #expect(abs(HistogramQuantile.quantile(0.99, buckets: buckets)! - 0.091) < 1e-12)
    // A rank in the +Inf bucket answers the highest finite bound.
    #expect(HistogramQuantile.quantile(0.99, buckets: [(0.1, 1), (.infinity, 100)]) == 0.1)
    #expect(HistogramQuantile.quantile(0.5, buckets: [(0.1, 0), (.infinity, 0)]) == nil)
    #expect(HistogramQuantile.quantile(1.5, buckets: buckets) == nil)
  }

  @Test func rowsComeFromTheGrowthBetweenTwoScrapes() {
    func page(_ selections: Double, _ fast: Double, _ all: Double) -> [MetricSample] {
      [
        MetricSample(name: TopFrame.selections, labels: ["node": "node-1"], value: selections),
        MetricSample(name: TopFrame.attemptBuckets, labels: ["node": "node-1", "le": "0.001"], value: fast),
        MetricSample(name: TopFrame.attemptBuckets, labels: ["node": "node-1", "le": "0.01"], value: all),
        MetricSample(name: TopFrame.attemptBuckets, labels: ["node": "node-1", "le": "+Inf"], value: all),
      ]
    }
    let nodes = [
      TopFrame.Node(id: "node-2", region: "us-east", healthy: false, queueDepth: 0, inFlight: 0, capacity: 64),
      TopFrame.Node(id: "node-1", region: "eu-west", healthy: true, queueDepth: 3, inFlight: 5, capacity: 64),
    ]
    let frame = TopFrame(nodes: nodes, previous: page(100, 50, 100), current: page(300, 150, 300), elapsed: .seconds(2))
    #expect(frame.rows.map(\.node.id) == ["node-1", "node-2"])
    let first = frame.rows[0]
    #expect(first.requestsPerSecond == 100)
    // 200 answers between the scrapes, 100 of them within 1 ms: the median is at 1 ms.
    #expect(first.p50 == 0.001)
    #expect(abs(first.p99! - 0.00982) < 1e-12)
    // A node with no series: no traffic, no latency.
    #expect(frame.rows[1].requestsPerSecond == 0 && frame.rows[1].p50 == nil)
    let text = frame.render()
    #expect(text.contains("node-1") && text.contains("healthy") && text.contains("5/64") && text.contains("100.0"))
    #expect(text.contains("DOWN"))
    // One scrape only: no rates yet.
    let first1 = TopFrame(nodes: nodes, previous: nil, current: page(1, 1, 1), elapsed: .zero)
    #expect(first1.rows.allSatisfy { $0.requestsPerSecond == nil && $0.p99 == nil })
    // A router that restarted (counters lower than before) counts what it holds now.
    let restarted = TopFrame(nodes: nodes, previous: page(300, 150, 300), current: page(20, 10, 20), elapsed: .seconds(1))
    #expect(restarted.rows[0].requestsPerSecond == 20)
  }
}
