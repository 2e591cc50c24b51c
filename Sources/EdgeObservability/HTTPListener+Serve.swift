public import EdgeSecurity

extension HTTPListener {
  /// Serves in `group` until the service's graceful shutdown, which reaches hummingbird's own
  /// service group through the task (so it stops cleanly, as the service does), or until
  /// cancelled; returns the bound address once bound, nil when it could not bind, and then the
  /// group fails with the listener's error.
  public func serve(in group: inout ThrowingDiscardingTaskGroup<any Error>) async -> ServiceAddress? {
    let (addresses, announce) = AsyncStream<ServiceAddress>.makeStream()
    group.addTask {
      defer { announce.finish() }
      do {
        try await self.run { address in
          announce.yield(address)
          announce.finish()
        }
      } catch is CancellationError {
        // Cancelled with the service (no graceful shutdown): it exits as without the listener.
      }
    }
    for await address in addresses { return address }
    return nil
  }
}
