import CEdgeKernels
import Foundation

/// `edgeinfer bench kernels`: our kernels and OpenBLAS side by side on the same shapes and
/// threads, alternating, several repetitions, medians. Figures are GFLOP/s (2 per multiply-add,
/// for ours too, so the ratio compares work done per second).
public struct KernelBenchmark: Sendable {
  public struct Row: Sendable, Codable {
    public var name: String
    public var m: Int
    public var n: Int
    public var k: Int
    public var threads: Int
    /// Median GFLOP/s (GOPS for integer kernels) of ours and of OpenBLAS.
    public var ours: Double
    public var openblas: Double
    public var ratio: Double
    /// Slowest and fastest of the repetitions, GFLOP/s.
    public var oursRange: [Double]
    public var openblasRange: [Double]
  }

  public struct Case: Sendable {
    public var name: String
    public var m: Int
    public var n: Int
    public var k: Int
    public var scheme: QuantizationScheme
  }

  /// The shapes the kernel targets are stated for: GEMM 1024³, MiniLM's linear layers at 128
  /// tokens (activation quantization included), the fp32 GEMM, and GEMVs of a large and a
  /// MiniLM-sized matrix.
  public static let standardCases: [Case] = [
    Case(name: "gemm-w8a8-1024", m: 1024, n: 1024, k: 1024, scheme: .w8a8),
    Case(name: "gemm-w8a8-minilm-384x384", m: 128, n: 384, k: 384, scheme: .w8a8),
    Case(name: "gemm-w8a8-minilm-384x1536", m: 128, n: 1536, k: 384, scheme: .w8a8),
    Case(name: "gemm-w8a8-minilm-1536x384", m: 128, n: 384, k: 1536, scheme: .w8a8),
    // MiniLM's layers at a batch of 32 typical sentences (about 460 tokens).
    Case(name: "gemm-w8a8-minilm-b32-384x1536", m: 460, n: 1536, k: 384, scheme: .w8a8),
    Case(name: "gemm-w8a8-minilm-b32-1536x384", m: 460, n: 384, k: 1536, scheme: .w8a8),
    // … and at one sentence (about 14 tokens).
    Case(name: "gemm-w8a8-minilm-b1-384x1536", m: 14, n: 1536, k: 384, scheme: .w8a8),
    // The fp32 GEMM on packed weights against the same sgemm (fp32 MiniLM and layers kept fp32).
    Case(name: "gemm-f32-1024", m: 1024, n: 1024, k: 1024, scheme: .f32),
    Case(name: "gemm-f32-minilm-384x1536", m: 128, n: 1536, k: 384, scheme: .f32),
    Case(name: "gemm-f32-minilm-b1-384x1536", m: 14, n: 1536, k: 384, scheme: .f32),
    Case(name: "gemv-q8-8192", m: 1, n: 8192, k: 8192, scheme: .w8),
    Case(name: "gemv-q4-8192", m: 1, n: 8192, k: 8192, scheme: .q4),
    Case(name: "gemv-q8-1536x384", m: 1, n: 384, k: 1536, scheme: .w8),
    Case(name: "gemv-q4-1536x384", m: 1, n: 384, k: 1536, scheme: .q4),
  ]

  public var repetitions: Int
  /// Seconds one timed run should last at least (repeating the operation inside).
  public var minimumSeconds: Double

  public init(repetitions: Int = 7, minimumSeconds: Double = 0.05) {
    self.repetitions = repetitions
    self.minimumSeconds = minimumSeconds
  }

  public func run(_ benchCase: Case, threads: Int) -> Row {
    let (m, n, k) = (benchCase.m, benchCase.n, benchCase.k)
    var seed: UInt32 = 12345
    func random() -> Float {
      seed = seed &* 1_664_525 &+ 1_013_904_223
      return Float(seed >> 8) / Float(1 << 24) * 2 - 1
    }
    let x = (0..<m * k).map { _ in random() }
    let w = (0..<n * k).map { _ in random() }
    let matrix = QuantizedMatrix.quantizing(w, rows: n, columns: k, scheme: benchCase.scheme)
    var y = [Float](repeating: 0, count: m * n)
    BLAS.setThreads(threads)
    let ours: () -> Void = {
      x.withUnsafeBufferPointer { xs in
        y.withUnsafeMutableBufferPointer { matrix.multiply(xs.baseAddress!, m: m, bias: nil, into: $0.baseAddress!, threads: threads) }
      }
    }
    let baseline: () -> Void = {
      x.withUnsafeBufferPointer { xs in
        w.withUnsafeBufferPointer { ws in
          y.withUnsafeMutableBufferPointer { ys in
            if m == 1 {
              BLAS.multiplyVector(n: n, k: k, w: ws.baseAddress!, x: xs.baseAddress!, y: ys.baseAddress!)
            } else {
              BLAS.multiplyTransposed(m: m, n: n, k: k, a: xs.baseAddress!, b: ws.baseAddress!, c: ys.baseAddress!)
            }
          }
        }
      }
    }
    let flops = 2.0 * Double(m) * Double(n) * Double(k)
    let oursInner = calibrate(ours), baselineInner = calibrate(baseline)
    var oursRates: [Double] = [], baselineRates: [Double] = []
    for _ in 0..<repetitions {
      baselineRates.append(flops * Double(baselineInner) / time(baseline, times: baselineInner) / 1e9)
      settle(threads)
      oursRates.append(flops * Double(oursInner) / time(ours, times: oursInner) / 1e9)
      settle(threads)
    }
    let oursMedian = median(oursRates), baselineMedian = median(baselineRates)
    return Row(
      name: benchCase.name, m: m, n: n, k: k, threads: threads, ours: oursMedian, openblas: baselineMedian,
      ratio: oursMedian / baselineMedian, oursRange: [oursRates.min()!, oursRates.max()!],
      openblasRange: [baselineRates.min()!, baselineRates.max()!])
  }

  /// OpenBLAS's worker threads spin for a while after each call, and would take a core from
  /// whichever side runs next; with more than one thread each side starts on a quiet machine.
  private func settle(_ threads: Int) {
    if threads > 1 { Thread.sleep(forTimeInterval: 0.3) }
  }

  /// How many back-to-back runs last at least `minimumSeconds` (after one warm-up run).
  private func calibrate(_ operation: () -> Void) -> Int {
    operation()
    let once = max(time(operation, times: 1), 1e-7)
    return max(1, Int((minimumSeconds / once).rounded(.up)))
  }

  private func time(_ operation: () -> Void, times: Int) -> Double {
    let start = ContinuousClock.now
    for _ in 0..<times { operation() }
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
  }

  private func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
  }

  /// Which kernels ran: "avx512-vnni (integer and fp32 GEMMs, attention; avx2+fma for the rest)",
  /// "avx-vnni (integer GEMM; …)", "avx2+fma" or "scalar reference".
  public static var kernelPath: String {
    let path = edge_kernels_path()
    let name = String(cString: edge_kernels_path_name(path))
    switch path {
    case EDGE_PATH_AMX_INT8: return "\(name) (integer GEMM; avx512 fp32 GEMM and attention; avx2+fma for the rest)"
    case EDGE_PATH_AVX512_VNNI: return "\(name) (integer and fp32 GEMMs, attention; avx2+fma for the rest)"
    case EDGE_PATH_AVX_VNNI: return "\(name) (integer GEMM; avx2+fma for the rest)"
    default: return name
    }
  }
}
