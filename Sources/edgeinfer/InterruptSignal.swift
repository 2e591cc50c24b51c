import Dispatch
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// SIGINT and SIGTERM as an event to wait for, so a foreground command can stop its children
/// before it exits.
final class InterruptSignal: @unchecked Sendable {
  // @unchecked: `fired` is only touched on `queue`.
  private let queue = DispatchQueue(label: "edgeinfer.signals")
  private var sources: [any DispatchSourceSignal] = []
  private var fired = false

  init() {
    for signal in [SIGINT, SIGTERM] {
      Glibc.signal(signal, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: signal, queue: queue)
      source.setEventHandler { [weak self] in self?.fired = true }
      source.resume()
      sources.append(source)
    }
  }

  var hasFired: Bool { queue.sync { fired } }

  /// Returns when a signal arrives or `otherwise` becomes true (checked every 100 ms).
  func wait(otherwise: @escaping () -> Bool = { false }) async {
    while !hasFired && !otherwise() {
      try? await Task.sleep(for: .milliseconds(100))
    }
  }
}
