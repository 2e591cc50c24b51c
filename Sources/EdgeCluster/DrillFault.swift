import EdgeServer
/// What a failover drill does to the cluster under load.
public enum DrillFault: String, Sendable, CaseIterable, Codable {
  /// SIGKILL one node of the nearest region.
  case kill
  /// SIGSTOP one node of the nearest region (hung, not dead), SIGCONT it later.
  case freeze
  /// SIGKILL every node of the nearest region.
  case region
  /// SIGKILL every node.
  case outage
  /// SIGTERM each node in turn (a graceful drain), start it again, wait until it is back in
  /// rotation, then the next: a rolling restart.
  case restart
}
