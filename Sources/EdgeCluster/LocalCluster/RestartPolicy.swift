import EdgeServer
/// Whether `edgeinfer cluster up` starts a child again after it dies (compose's `restart:`).
public enum RestartPolicy: String, Sendable, CaseIterable {
  /// Report the death; the rest keep serving.
  case no
  /// Report it and start the child again with a backoff, unless it exited with status 0.
  case onFailure = "on-failure"

  /// Whether a child that ended this way is started again.
  public func restarts(exitedCleanly: Bool) -> Bool {
    self == .onFailure && !exitedCleanly
  }
}
