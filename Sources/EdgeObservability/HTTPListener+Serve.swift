public import EdgeSecurity

extension HTTPListener {
  /// Serves in `group` until the service's graceful shutdown, which reaches hummingbird's own
  /// service group through the task (so it stops cleanly, as the service does), or until
  /// cancelled; returns the bound address once bound, and throws when it could not bind (the
  /// group then fails with the listener's own error), so a service never reports a listener it
  /// does not have.
  public func serve(in group: inout ThrowingDiscardingTaskGroup<any Error>) async throws -> ServiceAddress {
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
    throw ListenerError(description: "the listener for \(listen) did not start")
  }

  public struct ListenerError: Error, CustomStringConvertible {
    public var description: String
  }
}
