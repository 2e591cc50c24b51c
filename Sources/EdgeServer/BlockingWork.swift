import Dispatch
public import EdgeRuntime

/// Runs work that blocks (a model load maps files and builds weights for seconds) on a thread of
/// its own. Service processes run their tasks on NIO's event loops (EventLoopExecutor), and a
/// loop held by a load would stall every connection it serves, health checks included.
public enum BlockingWork {
  private static let queue = DispatchQueue(label: "edgeinfer.blocking", qos: .utility, attributes: .concurrent)

  public static func run<T: Sendable>(_ body: @escaping @Sendable () throws(InferenceError) -> T) async throws(InferenceError) -> T {
    let result: Result<T, InferenceError> = await withCheckedContinuation { continuation in
      queue.async { continuation.resume(returning: Result { () throws(InferenceError) in try body() }) }
    }
    return try result.get()
  }
}
