import Synchronization
import EdgeServer

/// Requests waiting on a node, woken when that node leaves the rotation (a hung node the health
/// checks benched) or when the request's deadline passes: one check on the router's clock for
/// all of them, instead of timers per request. Timers cost a wake-up on another thread and a
/// cancellation on every forwarded call, answered or not; with this, a call to a node sets no
/// timer at all (the node is told the deadline in `x-edge-timeout` and answers by it itself).
public final class AttemptWatch: Sendable {
  /// Why a waiting request was woken.
  public enum Wake: Sendable, Equatable {
    case leftRotation
    case deadlinePassed
    case cancelled
  }

  private enum Entry {
    /// Registered, its continuation not stored yet.
    case pending
    case waiting(node: String?, deadline: ContinuousClock.Instant, CheckedContinuation<Wake, Never>)
    /// Cancelled before its continuation was stored.
    case cancelled
  }

  private struct State {
    var next: UInt64 = 0
    var entries: [UInt64: Entry] = [:]
  }

  private let state = Mutex(State())

  public init() {}

  /// Returns at the first check that finds `node` out of the rotation or the deadline passed, or
  /// when the calling task is cancelled. With no node, only the deadline counts (a node served
  /// while out of the rotation, as a router in panic does, cannot leave it).
  public func wait(on node: String?, until deadline: ContinuousClock.Instant) async -> Wake {
    let id = state.withLock { state -> UInt64 in
      state.next &+= 1
      state.entries[state.next] = .pending
      return state.next
    }
    return await withTaskCancellationHandler {
      await withCheckedContinuation { (continuation: CheckedContinuation<Wake, Never>) in
        let cancelled = state.withLock { state -> Bool in
          if case .cancelled = state.entries[id] {
            state.entries[id] = nil
            return true
          }
          state.entries[id] = .waiting(node: node, deadline: deadline, continuation)
          return false
        }
        if cancelled { continuation.resume(returning: .cancelled) }
      }
    } onCancel: {
      let waiting = state.withLock { state -> CheckedContinuation<Wake, Never>? in
        switch state.entries[id] {
        case .waiting(_, _, let continuation):
          state.entries[id] = nil
          return continuation
        case .pending:
          state.entries[id] = .cancelled
          return nil
        case .cancelled, nil:
          // Already woken by a check (or already cancelled): nothing is left to clean up.
          return nil
        }
      }
      waiting?.resume(returning: .cancelled)
    }
  }

  /// Wakes every request whose deadline has passed at `now` or whose node `isInRotation` says
  /// has left.
  public func check(now: ContinuousClock.Instant, _ isInRotation: (String) -> Bool) {
    let woken = state.withLock { state -> [(CheckedContinuation<Wake, Never>, Wake)] in
      var woken: [(CheckedContinuation<Wake, Never>, Wake)] = []
      for (id, entry) in state.entries {
        guard case .waiting(let node, let deadline, let continuation) = entry else { continue }
        if now >= deadline {
          woken.append((continuation, .deadlinePassed))
        } else if let node, !isInRotation(node) {
          woken.append((continuation, .leftRotation))
        } else {
          continue
        }
        state.entries[id] = nil
      }
      return woken
    }
    for (continuation, wake) in woken { continuation.resume(returning: wake) }
  }

  /// Requests waiting now.
  public var waiting: Int {
    state.withLock { $0.entries.values.count { if case .waiting = $0 { true } else { false } } }
  }
}
