#if canImport(Accelerate)
  import Accelerate
#else
  import COpenBLAS
#endif

/// The fp32 path: single-precision GEMM through OpenBLAS (Accelerate on Apple platforms).
/// Nothing else in the runtime calls cblas directly.
enum BLAS {
  /// C[m×n] = A[m×k] · Bᵀ where B is stored [n×k] row-major (PyTorch's Linear weight layout).
  static func multiplyTransposed(
    m: Int, n: Int, k: Int,
    a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>
  ) {
    cblas_sgemm(
      CblasRowMajor, CblasNoTrans, CblasTrans,
      Int32(m), Int32(n), Int32(k),
      1, a, Int32(k), b, Int32(k),
      0, c, Int32(n))
  }
}

extension BLAS {
  /// y[n] = W[n×k] · x[k]: the fp32 GEMV baseline.
  static func multiplyVector(n: Int, k: Int, w: UnsafePointer<Float>, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
    cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(k), 1, w, Int32(k), x, 1, 0, y, 1)
  }

  /// OpenBLAS's own thread count, so baselines run with the same threads as ours.
  static func setThreads(_ threads: Int) {
    #if !canImport(Accelerate)
      openblas_set_num_threads(Int32(threads))
    #endif
  }
}

extension BLAS {
  /// The core OpenBLAS chose its kernels for ("Haswell", "SkylakeX", "Prescott": a core older
  /// than the CPU means slow fp32 kernels); "Accelerate" on Apple platforms.
  static var coreName: String {
    #if canImport(Accelerate)
      return "Accelerate"
    #else
      return openblas_get_corename().map { String(cString: $0) } ?? "unknown"
    #endif
  }
}
