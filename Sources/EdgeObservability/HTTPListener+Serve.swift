public import EdgeSecurity
import ServiceLifecycle

extension HTTPListener {
  /// Serves in `group` until the service's graceful shutdown, which reaches hummingbird's own
  /// service group through the task (so it stops cleanly, as the service does), or until
  /// cancelled; returns the bound address once bound, and throws when it could not bind (the
  /// group then fails with the listener's own error), so a service never reports a listener it
  /// does not have.
  ///
  /// A response that never ends (an event stream whose client stopped reading) must not hold the
  /// service's drain: `drainLimit` after the graceful shutdown begins, the listener is cancelled,
  /// which ends what it still serves.
  public func serve(
    in group: inout ThrowingDiscardingTaskGroup<any Error>, drainLimit: Duration = .seconds(5)
  ) async throws -> ServiceAddress {
    let (addresses, announce) = AsyncStream<ServiceAddress>.makeStream()
    group.addTask {
      defer { announce.finish() }
      do {
        try await withThrowingTaskGroup(of: Void.self) { listener in
          listener.addTask {
            try await self.run { address in
              announce.yield(address)
              announce.finish()
            }
          }
          listener.addTask {
            try await gracefulShutdown()
            try await Task.sleep(for: drainLimit)
            throw CancellationError()
          }
          // The first to end: the listener (drained in time), or the limit.
          try await listener.next()
          listener.cancelAll()
        }
      } catch is CancellationError {
        // Cancelled with the service (no graceful shutdown), or past the drain limit: it exits
        // as without the listener.
      }
    }
    for await address in addresses { return address }
    throw ListenerError(description: "the listener for \(listen) did not start")
  }

  public struct ListenerError: Error, CustomStringConvertible {
    public var description: String
  }
}
