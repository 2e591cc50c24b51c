public import GRPCCore

extension GRPCServer {
  /// Serves until the server is shut down; when the calling task is cancelled, shuts down
  /// gracefully (GOAWAY: new streams are refused, open ones finish) instead of tearing the
  /// transport down under its connections. A stream that arrives while an HTTP/2 server is torn
  /// down by cancellation can trip a precondition in the transport and crash the process, and
  /// the router's health checks open streams to every node twice a second, so any component
  /// stopped by cancellation (a test's abrupt stop, a failed sibling task) must not race them.
  public func serveUntilCancelled() async throws {
    let serving = Task { try await serve() }
    try await withTaskCancellationHandler {
      try await serving.value
    } onCancel: {
      beginGracefulShutdown()
    }
  }
}
