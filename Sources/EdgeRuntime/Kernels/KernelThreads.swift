import Dispatch

/// Splits a kernel's output columns across threads. Work too small to repay the hand-off stays
/// on the calling thread, so asking for 2 threads never makes a small multiply slower.
public enum KernelThreads {
  /// Multiply-adds below which one thread does the whole job. Measured on the 2-vCPU machines
  /// (docs/BENCHMARKS.md): at 19 M multiply-adds (MiniLM's 384×384 layer at 128 tokens) two
  /// threads were slower than one; from about 75 M they were faster.
  public static let minimumParallelWork = 1 << 25

  /// Sets OpenBLAS's own thread count (the fp32 path), so a comparison gives both sides the
  /// same threads.
  public static func setBLASThreads(_ threads: Int) {
    BLAS.setThreads(threads)
  }

  /// Calls `body(begin, end)` over [0, columns) in `threads` parts whose bounds are multiples
  /// of `alignment` (the kernels' panel width).
  static func split(columns: Int, work: Int, threads: Int, alignment: Int, _ body: (Int, Int) -> Void) {
    let parts = work < minimumParallelWork ? 1 : min(threads, max(1, columns / alignment))
    guard parts > 1 else {
      body(0, columns)
      return
    }
    let panels = (columns + alignment - 1) / alignment
    withoutActuallyEscaping(body) { body in
      let shared = SharedBody(call: body)
      DispatchQueue.concurrentPerform(iterations: parts) { part in
        let begin = min(columns, panels * part / parts * alignment)
        let end = min(columns, panels * (part + 1) / parts * alignment)
        if begin < end { shared.call(begin, end) }
      }
    }
  }

  /// The parts write disjoint column ranges of one output, which is what makes sharing the
  /// body across threads safe; the compiler cannot see that through raw pointers.
  private struct SharedBody: @unchecked Sendable {
    let call: (Int, Int) -> Void
  }
}
