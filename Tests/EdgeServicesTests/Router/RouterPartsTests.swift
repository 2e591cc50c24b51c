import EdgeClient
import EdgeProto
import EdgeSecurity
@testable import EdgeCluster
@testable import EdgeExecutorService
@testable import EdgeNodeService
@testable import EdgeRouterService
@testable import EdgeServer
import GRPCCore
import SwiftProtobuf
import Synchronization
import Testing

/// The router's small pure pieces: deadlines, error pass-through, statistics totals, the pool.
struct RouterPartsTests {
  @Test(arguments: [
    ("5S", Duration.seconds(5)), ("250m", .milliseconds(250)), ("7u", .microseconds(7)), ("9n", .nanoseconds(9)),
    ("2M", .seconds(120)), ("1H", .seconds(3600)), ("99999999m", .milliseconds(99_999_999)),
  ])
  func parsesGRPCTimeouts(_ text: String, _ expected: Duration) {
    #expect(GRPCTimeout.parse(text) == expected)
  }

  @Test(arguments: ["", "S", "5", "5s", "-5S", "123456789S", "5.5S"])
  func refusesMalformedTimeouts(_ text: String) {
    #expect(GRPCTimeout.parse(text) == nil)
  }

  @Test(arguments: [
    (Duration.milliseconds(250), "250000u"), (.nanoseconds(1), "1u"), (.zero, "0u"), (.seconds(30), "30000000u"),
    (.seconds(3600), "3600000m"), (.seconds(300_000), "300000S"), (.seconds(1_000_000_000), "99999999S"),
  ])
  func formatsForwardedTimeoutsRoundedUpAndReadsThemBack(_ duration: Duration, _ text: String) {
    #expect(GRPCTimeout.format(duration) == text)
    var metadata = Metadata()
    metadata.addString(text, forKey: GRPCTimeout.forwardedKey)
    #expect(GRPCTimeout.from(metadata).map { $0 >= min(duration, .seconds(99_999_999)) } == true)
    // A caller's own grpc-timeout comes first.
    metadata.addString("5S", forKey: "grpc-timeout")
    #expect(GRPCTimeout.from(metadata) == .seconds(5))
  }

  @Test func aNodesErrorIsPassedOnWithoutTransportHeaders() {
    var metadata = Metadata()
    metadata.addString("200", forKey: ":status")
    metadata.addString("application/grpc", forKey: "content-type")
    metadata.addString("3", forKey: "grpc-status")
    metadata.addString("15", forKey: "grpc-retry-pushback-ms")
    metadata.addString("yes", forKey: "x-custom")
    let passed = NodeForwarder.passedOn(RPCError(code: .resourceExhausted, message: "full", metadata: metadata))
    #expect(passed.code == .resourceExhausted)
    #expect(passed.message == "full")
    #expect(passed.metadata.map(\.key).sorted() == ["grpc-retry-pushback-ms", "x-custom"])
  }

  @Test func theLoadReportDrainsAtOneRequestsShareOfItsBatch() {
    let tracker = NodeLoadTracker(capacity: 8)
    for _ in 0..<4 { #expect(tracker.admit()) }
    tracker.executionStarted(requests: 2)
    // A batch of two that took 1 ms: each request's share is 0.5 ms.
    tracker.executionFinished(requests: 2, microseconds: 1000)
    var report = tracker.report()
    #expect(report.recentExecutionMicroseconds == 500)
    #expect(report.queueDepth == 4 && report.instances == 1)
    #expect(report.queueWaitMicroseconds == 2000)
    #expect(tracker.retryAfterMilliseconds() == 2)
    tracker.setInstances(4)
    report = tracker.report()
    #expect(report.instances == 4 && report.queueWaitMicroseconds == 500)
    #expect(tracker.retryAfterMilliseconds() == 1)
  }

  @Test func onlyUnreachedRequestsAreRetried() {
    var pushback = Metadata()
    pushback.addString("10", forKey: "grpc-retry-pushback-ms")
    #expect(RPCError(code: .unavailable, message: "").allowsFailover)
    #expect(RPCError(code: .resourceExhausted, message: "", metadata: pushback).allowsFailover)
    #expect(!RPCError(code: .resourceExhausted, message: "too large").allowsFailover)
    #expect(RPCError(code: .cancelled, message: "").allowsFailover)
    for code in [RPCError.Code.invalidArgument, .notFound, .internalError, .deadlineExceeded, .permissionDenied] {
      #expect(!RPCError(code: code, message: "").allowsFailover)
    }
  }

  @Test func statisticsFromSeveralNodesAddUp() {
    func stats(_ version: String, count: UInt64, ns: UInt64, batch: UInt64) -> Inference_ModelStatistics {
      .with {
        $0.name = "m"
        $0.version = version
        $0.inferenceCount = count
        $0.executionCount = 1
        $0.lastInference = count
        $0.inferenceStats.success = .with { $0.count = 1; $0.ns = ns }
        $0.batchStats = [.with { $0.batchSize = batch; $0.computeInfer = .with { $0.count = 1; $0.ns = ns } }]
      }
    }
    let merged = StatisticsMerger.merge([[stats("1", count: 2, ns: 10, batch: 2)], [stats("1", count: 3, ns: 5, batch: 2), stats("2", count: 1, ns: 1, batch: 1)]])
    #expect(merged.map(\.version) == ["1", "2"])
    #expect(merged[0].inferenceCount == 5)
    #expect(merged[0].executionCount == 2)
    #expect(merged[0].lastInference == 3)
    #expect(merged[0].inferenceStats.success.count == 2)
    #expect(merged[0].inferenceStats.success.ns == 15)
    #expect(merged[0].batchStats.map(\.computeInfer.ns) == [15])
  }

  @Test func thePoolKeepsOneClientPerAddressAndDropsDepartedNodes() throws {
    let pool = NodeClientPool(security: .plaintext)
    let first = try pool.client(for: "127.0.0.1:1")
    let again = try pool.client(for: "127.0.0.1:1")
    #expect(first === again)
    _ = try pool.client(for: "127.0.0.1:2")
    #expect(pool.count == 2)
    pool.retain(["127.0.0.1:2"])
    #expect(pool.count == 1)
    #expect(throws: (any Error).self) { try pool.client(for: "no-port") }
  }

  // A client made after the pool stopped would never connect, and a health check on it waited
  // past its deadline and its cancellation, so the router never stopped.
  @Test func aStoppedPoolMakesNoClientThatCouldNeverConnect() async throws {
    let pool = NodeClientPool(security: .plaintext)
    let kept = try pool.client(for: "127.0.0.1:1")
    let running = Task { await pool.run() }
    running.cancel()
    await running.value
    #expect(throws: RPCError.self) { try pool.client(for: "127.0.0.1:2") }
    #expect(pool.count == 1)
    #expect(try pool.client(for: "127.0.0.1:1") === kept)
  }

  /// A health check that ignores its deadline and its cancellation no longer holds the prober:
  /// past the limit the prober has its answer (none) and goes on.
  @Test func theProberStopsWaitingForACheckThatNeverEnds() async throws {
    final class Flag: Sendable { let value = Atomic<Bool>(false) }
    let finished = Flag()
    let stuck = await HealthProber.result(within: .milliseconds(100)) { () async throws -> Int in
      // Deaf to cancellation for 3 s (a task of its own is not cancelled with its waiter;
      // bounded, so nothing is left running long).
      await Task { try? await Task.sleep(for: .seconds(3)) }.value
      finished.value.store(true, ordering: .relaxed)
      return 1
    }
    #expect(stuck == nil)
    let ranToItsEnd = finished.value.load(ordering: .relaxed)
    #expect(!ranToItsEnd, "the prober waited for the check to end")
    let answered = await HealthProber.result(within: .seconds(30)) { 7 }
    #expect(try answered?.get() == 7)
    let failed = await HealthProber.result(within: .seconds(30)) { () async throws -> Int in throw RPCError(code: .unavailable, message: "down") }
    #expect(throws: RPCError.self) { try failed?.get() }
  }
}
