import Synchronization

/// Requests waiting on a node, woken when that node leaves the rotation (a hung node the health
/// checks benched): one check on the router's clock for all of them, instead of a timer per
/// request. A timer per request cost a timer wake-up on another thread and its cancellation on
/// every forwarded call, answered or not.
public final class RotationWatch: Sendable {
  private enum Entry {
    case waiting(node: String, CheckedContinuation<Void, Never>)
    case cancelled
  }

  private struct State {
    var next: UInt64 = 0
    var entries: [UInt64: Entry] = [:]
  }

  private let state = Mutex(State())

  public init() {}

  /// Returns at the first check that finds `node` out of the rotation, or when the calling task
  /// is cancelled.
  public func waitUntilOut(_ node: String) async {
    let id = state.withLock { state -> UInt64 in
      state.next &+= 1
      return state.next
    }
    await withTaskCancellationHandler {
      await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        let cancelled = state.withLock { state -> Bool in
          if case .cancelled = state.entries[id] {
            state.entries[id] = nil
            return true
          }
          state.entries[id] = .waiting(node: node, continuation)
          return false
        }
        if cancelled { continuation.resume() }
      }
    } onCancel: {
      let waiting = state.withLock { state -> CheckedContinuation<Void, Never>? in
        guard case .waiting(_, let continuation) = state.entries[id] else {
          state.entries[id] = .cancelled
          return nil
        }
        state.entries[id] = nil
        return continuation
      }
      waiting?.resume()
    }
  }

  /// Wakes every request waiting on a node that `isInRotation` says has left.
  public func check(_ isInRotation: (String) -> Bool) {
    let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
      var woken: [CheckedContinuation<Void, Never>] = []
      for (id, entry) in state.entries {
        if case .waiting(let node, let continuation) = entry, !isInRotation(node) {
          woken.append(continuation)
          state.entries[id] = nil
        }
      }
      return woken
    }
    for continuation in woken { continuation.resume() }
  }

  /// Requests waiting now.
  public var waiting: Int { state.withLock { $0.entries.count } }
}
