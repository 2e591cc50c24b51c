public import EdgeSecurity
import ServiceLifecycle

extension HTTPListener {
  /// Serves in `group` until the graceful shutdown (then the service exits cleanly, as without
  /// the listener) and returns the bound address once bound; nil when it could not bind, and
  /// then the group fails with the listener's error.
  public func serve(in group: inout ThrowingDiscardingTaskGroup<any Error>) async -> ServiceAddress? {
    let (addresses, announce) = AsyncStream<ServiceAddress>.makeStream()
    group.addTask {
      defer { announce.finish() }
      do {
        try await cancelWhenGracefulShutdown {
          try await self.run { address in
            announce.yield(address)
            announce.finish()
          }
        }
      } catch is CancellationError {
        // Stopped by the drain.
      }
    }
    for await address in addresses { return address }
    return nil
  }
}
