import ArgumentParser
import EdgeClient
import EdgeProto
import Foundation
import Histogram
import SwiftProtobuf
import GRPCCore
import GRPCNIOTransportHTTP2
import Synchronization

/// `edgeinfer bench serve`: load on any Open Inference Protocol server (a router, a node,
/// Triton), closed-loop by default or at a fixed offered rate, with latency percentiles from
/// HdrHistogram, failures by status, and the batch sizes the server formed meanwhile.
struct ServeBenchCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Throughput and latency of a served model under concurrent load.",
    discussion: """
      Closed loop: --concurrency clients, each sending its next request when the last is answered,
      for --duration seconds. With --rate, requests are offered at that many per second whatever
      the answers (open loop), at most --concurrency outstanding. Requests are one row: a line of
      --text FILE for text models (round robin), or deterministic values of --shape for FP32.
      Batch sizes come from the server's ModelStatistics before and after the run.
      """)

  @OptionGroup var connection: ConnectionOptions
  @Option(help: "Server address, HOST:PORT (overrides --router).") var target: String?
  @Option(help: "The model.") var model: String
  @Option(help: "The model version (empty: the server's default).") var version = ""
  @Option(help: "Concurrent requests (closed loop), or the most outstanding with --rate.") var concurrency = 32
  @Option(help: "Seconds of load.") var duration = 10.0
  @Option(help: "Seconds of load before measuring (discarded).") var warmup = 1.0
  @Option(help: "Offered requests per second (open loop).") var rate: Double?
  @Option(help: "A text file, one input text per line, for a BYTES input.") var text: String?
  @Option(help: "The FP32 input's shape with the batch dimension, e.g. 1,64.") var shape: String?
  @Option(help: "The request's priority parameter.") var priority: Int?
  @Option(help: "How requests are sent: grpc (gRPC's client, as applications call) or link (a raw HTTP/2 unary call per request, a fraction of the load generator's CPU; the server's certificate is checked against --target's host name or IP address).")
  var wire = ServeWire.grpc
  @Flag(help: "Print one JSON object.") var json = false

  struct Summary: Encodable {
    var model: String
    var concurrency: Int
    var rate: Double?
    var duration_s: Double
    var throughput: Double
    var p50_ms: Double?
    var p90_ms: Double?
    var p99_ms: Double?
    var p999_ms: Double?
    var ok: Int
    var failed: Int
    var failures: [String: Int]
    /// The first message of each failing status.
    var failure_examples: [String: String]
    var unsent: Int
    /// Calls never answered (an open-loop run waits for the deadline and 5 s more).
    var stuck: Int
    var refusal_p99_ms: Double?
    var deadline_exceeded_error_p99_ms: Double?
    var deadline_exceeded_error_max_ms: Double?
    var batch_sizes: [String: UInt64]
  }

  func validate() throws {
    guard concurrency >= 1, duration > 0, warmup >= 0 else {
      throw ValidationError("--concurrency and --duration must be positive, --warmup not negative")
    }
    if let rate, rate <= 0 { throw ValidationError("--rate must be positive") }
    guard (text == nil) != (shape == nil) else { throw ValidationError("give exactly one of --text FILE and --shape") }
  }

  func run() async throws {
    var configuration = try connection.clientConfiguration()
    if let target { configuration.target = try .init(parsing: target) }
    let deadline = configuration.timeout
    let source = try RequestSource(text: text, shape: shape, model: model, version: version, priority: priority)
    try await EdgeInferenceClient.withClient(configuration) { client in
      let stub = Inference_GRPCInferenceService.Client(wrapping: client.grpcClient)
      var options = CallOptions.defaults
      options.timeout = deadline
      let requests = try source.requests(for: try await client.modelSignature(model: model, version: version))
      // Batch sizes come from Triton's statistics extension, which not every Open Inference
      // Protocol server has (KServe's answers UNIMPLEMENTED): without it the run reports none.
      let before = try? await Self.batchSizes(stub, model: model, version: version, metadata: client.routerMetadata)
      let send: @Sendable (Int) async -> ServeTally.Outcome
      let links = NodeLinkPool(security: configuration.security, maximumResponseBytes: 64 << 20)
      defer { links.shutdown() }
      switch wire {
      case .grpc:
        send = ServeWire.grpc(stub, requests: requests, metadata: client.routerMetadata, options: options)
      case .link:
        send = try ServeWire.link(
          links.link(for: configuration.target.description), requests: requests, metadata: client.routerMetadata, deadline: deadline)
      }
      let load = LoadLoop(send: send, requestCount: requests.count, deadline: deadline, concurrency: concurrency, rate: rate)
      if warmup > 0 { _ = await load.run(for: .seconds(warmup)) }
      let started = ContinuousClock.now
      let tally = await load.run(for: .seconds(duration))
      let elapsed = ContinuousClock.now - started
      // After an overload run the connection may be mid-reconnect: batch sizes are a detail the
      // figures must not wait on.
      let after = before == nil ? nil : (try? await Self.batchSizes(stub, model: model, version: version, metadata: client.routerMetadata)) ?? before
      let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
      var batches: [String: UInt64] = [:]
      if let before, let after {
        for (size, count) in after where count > before[size, default: 0] {
          batches[String(size)] = count - before[size, default: 0]
        }
      }
      let summary = Summary(
        model: model, concurrency: concurrency, rate: rate, duration_s: seconds,
        throughput: Double(tally.ok.totalCount) / seconds,
        p50_ms: ServeTally.milliseconds(tally.ok, 50), p90_ms: ServeTally.milliseconds(tally.ok, 90),
        p99_ms: ServeTally.milliseconds(tally.ok, 99), p999_ms: ServeTally.milliseconds(tally.ok, 99.9),
        ok: Int(tally.ok.totalCount), failed: tally.failed, failures: tally.failures, failure_examples: tally.examples, unsent: tally.unsent, stuck: tally.stuck,
        refusal_p99_ms: ServeTally.milliseconds(tally.refusals, 99),
        deadline_exceeded_error_p99_ms: ServeTally.milliseconds(tally.deadlineError, 99),
        deadline_exceeded_error_max_ms: tally.deadlineError.totalCount == 0 ? nil : Double(tally.deadlineError.max) / 1000,
        batch_sizes: batches)
      Self.print(summary, json: json)
    }
  }

  /// Executions per batch size (rows) so far.
  static func batchSizes(
    _ stub: Inference_GRPCInferenceService.Client<HTTP2ClientTransport.Posix>, model: String, version: String,
    metadata: Metadata
  ) async throws -> [UInt64: UInt64] {
    var options = CallOptions.defaults
    options.timeout = .seconds(5)
    let stats = try await stub.modelStatistics(
      .with { $0.name = model; $0.version = version }, metadata: metadata, options: options
    ).modelStats
    var sizes: [UInt64: UInt64] = [:]
    for entry in stats {
      for batch in entry.batchStats { sizes[batch.batchSize, default: 0] += batch.computeInfer.count }
    }
    return sizes
  }

  static func print(_ summary: Summary, json: Bool) {
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      Swift.print(String(decoding: (try? encoder.encode(summary)) ?? Data(), as: UTF8.self))
      return
    }
    func ms(_ value: Double?) -> String { value.map { String(format: "%.2f", $0) } ?? "-" }
    let mode = summary.rate.map { String(format: "offered %.0f/s, at most %d outstanding", $0, summary.concurrency) }
      ?? "closed loop, concurrency \(summary.concurrency)"
    Swift.print("model \(summary.model): \(mode), \(String(format: "%.1f", summary.duration_s)) s")
    Swift.print(String(format: "throughput %.1f requests/s, ok %d, failed %d", summary.throughput, summary.ok, summary.failed))
    Swift.print("latency ms: p50 \(ms(summary.p50_ms))  p90 \(ms(summary.p90_ms))  p99 \(ms(summary.p99_ms))  p99.9 \(ms(summary.p999_ms))")
    for (status, count) in summary.failures.sorted(by: { $0.key < $1.key }) {
      Swift.print("  \(status): \(count) (\(summary.failure_examples[status] ?? ""))")
    }
    if summary.unsent > 0 { Swift.print("  not sent (\(summary.concurrency) outstanding): \(summary.unsent)") }
    if summary.stuck > 0 { Swift.print("  never answered (stuck past the deadline and 5 s): \(summary.stuck)") }
    if let refusal = summary.refusal_p99_ms { Swift.print("refusals answered in p99 \(ms(refusal)) ms") }
    if let error = summary.deadline_exceeded_error_p99_ms {
      Swift.print("DEADLINE_EXCEEDED answered within p99 \(ms(error)) ms, max \(ms(summary.deadline_exceeded_error_max_ms)) ms of the deadline")
    }
    let sizes = summary.batch_sizes.sorted { Int($0.key)! < Int($1.key)! }.map { "\($0.key):\($0.value)" }.joined(separator: " ")
    Swift.print("batch sizes (rows:executions): \(sizes.isEmpty ? "-" : sizes)")
  }
}
