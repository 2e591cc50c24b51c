/// Where a call arrived: which listener decides which credentials count there.
public enum Listener: String, Sendable, Equatable {
  /// The router's client listener (TLS, API keys when configured).
  case client
  /// The router's cluster listener (mutual TLS, certificates of the cluster CA).
  case cluster
  /// A node's listener (mutual TLS, certificates of the cluster CA).
  case node
  /// A separate executor's listener (mutual TLS): its node sends batches; its model set changes
  /// only from its node (named by `--allow`) or an admin certificate.
  case executor
}
