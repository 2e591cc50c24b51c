public import EdgeSecurity
import Synchronization

/// The ids of the routers a node has registered with, as they answered its registrations: the
/// certificates naming them may change the node's repository (a router's id is among its
/// certificate's names, as `edgeinfer certs init` makes them).
public final class RouterNames: Sendable {
  private let names = Mutex<Set<String>>([])
  /// Names never taken as a router's (`SharedNames` of the node's own certificate).
  public let reserved: Set<String>

  public init(reserved: Set<String> = SharedNames.of(certificateAt: nil)) {
    self.reserved = reserved
  }

  /// Records a router's id; a name that other certificates carry too (`localhost`, a `--host`
  /// name, the node's own, the client's) is never taken, so a router misnamed that way cannot
  /// open the repository to every certificate.
  public func insert(_ name: String) {
    guard !name.isEmpty, !reserved.contains(name) else { return }
    _ = names.withLock { $0.insert(name) }
  }

  public var current: Set<String> { names.withLock { $0 } }
}
