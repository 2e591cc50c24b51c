import NIOCore
import NIOPosix

/// Where a service process runs its Swift tasks. By default Swift runs them on its own thread
/// pool while gRPC's I/O runs on NIO's event loops, so every call hops between the two several
/// times, each hop a thread wake-up: measured on a node answering ServerLive over plaintext, 9
/// context switches and about 0.5 ms of CPU per call, most of it in the scheduler. Installing
/// NIO's event loops as Swift's global executor runs tasks on the threads that do the I/O.
/// Kernels keep their own threads (LocalExecutor's queue, KernelThreads), so a batch never
/// occupies an event loop.
public enum EventLoopExecutor {
  /// Call first thing in a service's entry point, from the main thread, once.
  @discardableResult
  public static func install() -> Bool {
    NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
  }
}
