import EdgeRuntime
public import GRPCCore
public import Logging
import EdgeServer

/// Watches a separate executor process: a check every `interval`, each bounded by `timeout`.
/// When the executor stops answering, queued requests are answered UNAVAILABLE at once and the
/// node reports its models not ready; the client reconnects by itself, and the first answered
/// check brings the models back.
public struct ExecutorMonitor<Transport: ClientTransport>: Sendable {
  public let executor: ExecutorClient<Transport>
  public let availability: ExecutorAvailability
  public let batchers: ModelBatchers
  public var interval: Duration = .milliseconds(250)
  public var timeout: Duration = .milliseconds(500)
  public let logger: Logger

  public init(executor: ExecutorClient<Transport>, availability: ExecutorAvailability, batchers: ModelBatchers, logger: Logger) {
    self.executor = executor
    self.availability = availability
    self.batchers = batchers
    self.logger = logger
  }

  /// Checks until cancelled.
  public func run() async {
    while !Task.isCancelled {
      let reachable = await executor.isReachable(timeout: timeout)
      if availability.update(reachable) {
        if reachable {
          logger.info("executor reachable; models ready again", metadata: ["executor": "\(executor.name)"])
        } else {
          logger.error("executor unreachable; models not ready until it answers", metadata: ["executor": "\(executor.name)"])
          for batcher in batchers.all() {
            await batcher.failQueued(with: .unavailable("executor \(executor.name) is unreachable"))
          }
        }
      }
      try? await Task.sleep(for: interval)
    }
  }
}
