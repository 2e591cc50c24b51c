import Synchronization
import EdgeServer

/// Runs a call in a task of its own and waits for it. When the waiting task is cancelled, the
/// wait ends at once (CancellationError) and `mayCancel` decides whether the call is cancelled
/// too or runs on to its end unobserved: how the router leaves a node's stream to finish cleanly
/// rather than reset it (StreamResetBudget). A call left running is cancelled all the same at
/// `backstop` (a node that never answers must not hold a stream and a task forever). A result
/// that arrives after its waiter left goes to `orphaned` (the router meters the compute it cost).
enum DetachableCall {
  static func run<T: Sendable>(
    _ operation: @escaping @Sendable () async throws -> T, mayCancel: @escaping @Sendable () -> Bool,
    backstop: ContinuousClock.Instant? = nil, orphaned: @escaping @Sendable (T) -> Void = { _ in }
  ) async throws -> T {
    try Task.checkCancellation()
    let meeting = Meeting<T>()
    let task = Task {
      do {
        let value = try await operation()
        if !meeting.deliver(.success(value)) { orphaned(value) }
      } catch {
        meeting.deliver(.failure(error))
      }
    }
    return try await withTaskCancellationHandler {
      try await meeting.wait()
    } onCancel: {
      if case .success(let value)? = meeting.abandon() { orphaned(value) }
      if mayCancel() {
        task.cancel()
      } else if let backstop {
        Task {
          try? await Task.sleep(until: backstop, clock: .continuous)
          task.cancel()
        }
      }
    }
  }

  /// Where the call's result meets its waiter, whichever comes first.
  private final class Meeting<T: Sendable>: Sendable {
    private enum State {
      case empty
      case waiting(CheckedContinuation<T, any Error>)
      case finished(Result<T, any Error>)
      case abandoned
    }

    private let state = Mutex(State.empty)

    /// Hands the result to the waiter; false when the waiter had already left.
    @discardableResult
    func deliver(_ result: Result<T, any Error>) -> Bool {
      let (waiter, taken) = state.withLock { state -> (CheckedContinuation<T, any Error>?, Bool) in
        switch state {
        case .waiting(let continuation):
          state = .abandoned
          return (continuation, true)
        case .empty:
          state = .finished(result)
          return (nil, true)
        case .finished, .abandoned:
          return (nil, false)
        }
      }
      waiter?.resume(with: result)
      return taken
    }

    func wait() async throws -> T {
      try await withCheckedThrowingContinuation { continuation in
        let ready = state.withLock { state -> Result<T, any Error>? in
          switch state {
          case .finished(let result):
            state = .abandoned
            return result
          case .abandoned:
            return .failure(CancellationError())
          case .empty, .waiting:
            state = .waiting(continuation)
            return nil
          }
        }
        if let ready { continuation.resume(with: ready) }
      }
    }

    /// Ends the wait; returns a result that had come before the waiter took it.
    @discardableResult
    func abandon() -> Result<T, any Error>? {
      let (waiter, finished) = state.withLock { state -> (CheckedContinuation<T, any Error>?, Result<T, any Error>?) in
        defer { state = .abandoned }
        switch state {
        case .waiting(let continuation): return (continuation, nil)
        case .finished(let result): return (nil, result)
        case .empty, .abandoned: return (nil, nil)
        }
      }
      waiter?.resume(throwing: CancellationError())
      return finished
    }
  }
}
