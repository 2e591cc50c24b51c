@testable import EdgeRuntime
import Testing

/// Every scheme multiplies close to the fp32 product, threads change nothing, and quantized
/// versions of the digits model keep its accuracy.
struct QuantizedMatrixTests {
  static func reference(_ x: [Float], _ w: [Float], _ bias: [Float], m: Int, n: Int, k: Int) -> [Float] {
    (0..<m * n).map { index in
      let (i, j) = (index / n, index % n)
      return (0..<k).reduce(bias[j]) { $0 + x[i * k + $1] * w[j * k + $1] }
    }
  }

  @Test(arguments: [(QuantizationScheme.f32, 1e-4), (.w8a8, 0.03), (.w8, 0.02), (.q4, 0.2)])
  func schemesApproximateTheFP32Product(_ scheme: QuantizationScheme, _ tolerance: Double) {
    var numbers = KernelTests.Numbers(state: 42)
    let (m, k, n) = (5, 200, 70)
    let x = (0..<m * k).map { _ in numbers.float() }
    let w = (0..<n * k).map { _ in numbers.float() }
    let bias = (0..<n).map { _ in numbers.float() }
    let expected = Self.reference(x, w, bias, m: m, n: n, k: k)
    let matrix = QuantizedMatrix.quantizing(w, rows: n, columns: k, scheme: scheme)
    var y = [Float](repeating: 0, count: m * n)
    x.withUnsafeBufferPointer { xs in
      bias.withUnsafeBufferPointer { b in
        y.withUnsafeMutableBufferPointer { ys in
          matrix.multiply(xs.baseAddress!, m: m, bias: b.baseAddress, into: ys.baseAddress!)
        }
      }
    }
    // Relative to the output's scale (about sqrt(k/3) for these inputs).
    let scale = expected.map { abs(Double($0)) }.max()!
    let worst = zip(y, expected).map { abs(Double($0) - Double($1)) }.max()!
    #expect(worst / scale < tolerance, "\(scheme): worst error \(worst) against scale \(scale)")
  }

  /// A one-sided input (a GELU's output, −0.17 to 4): the blocks' zero points sit near the bottom
  /// of their codes, and their share of each product (a large term) must be taken back exactly
  /// as the reference does for the product to stay close to fp32.
  @Test func oneSidedInputsStayCloseToFP32() {
    var numbers = KernelTests.Numbers(state: 17)
    let (m, k, n) = (6, 300, 40)
    let x = (0..<m * k).map { _ in numbers.float(-0.17...4) }
    let w = (0..<n * k).map { _ in numbers.float() }
    let bias = (0..<n).map { _ in numbers.float() }
    let expected = Self.reference(x, w, bias, m: m, n: n, k: k)
    let matrix = QuantizedMatrix.quantizing(w, rows: n, columns: k, scheme: .w8a8)
    var y = [Float](repeating: 0, count: m * n)
    y.withUnsafeMutableBufferPointer { matrix.multiply(x, m: m, bias: bias, into: $0.baseAddress!) }
    let scale = expected.map { abs(Double($0)) }.max()!
    let worst = zip(y, expected).map { abs(Double($0) - Double($1)) }.max()!
    #expect(worst / scale < 0.01, "worst error \(worst) against scale \(scale)")
  }

  /// Our kernels' column split (f32 too where the CPU has AVX2: the packed fp32 GEMM; elsewhere
  /// OpenBLAS, whose sums do not depend on the thread count either).
  @Test(arguments: [QuantizationScheme.f32, .w8a8, .w8, .q4])
  func twoThreadsGiveTheSameResultAsOne(_ scheme: QuantizationScheme) {
    var numbers = KernelTests.Numbers(state: 9)
    // Big enough to be split: the GEMM by m·n·k, the GEMVs (one row at a time) by n·k.
    let (m, k, n) = scheme == .w8a8 || scheme == .f32 ? (64, 1024, 512) : (1, 8192, 4096)
    #expect(m * n * k >= KernelThreads.minimumParallelWork)
    let x = (0..<m * k).map { _ in numbers.float() }
    let w = (0..<n * k).map { _ in numbers.float() }
    let matrix = QuantizedMatrix.quantizing(w, rows: n, columns: k, scheme: scheme)
    var one = [Float](repeating: 0, count: m * n), two = one
    x.withUnsafeBufferPointer { xs in
      one.withUnsafeMutableBufferPointer { matrix.multiply(xs.baseAddress!, m: m, bias: nil, into: $0.baseAddress!, threads: 1) }
      two.withUnsafeMutableBufferPointer { matrix.multiply(xs.baseAddress!, m: m, bias: nil, into: $0.baseAddress!, threads: 2) }
    }
    #expect(one.map(\.bitPattern) == two.map(\.bitPattern))
  }

  @Test func storedSizesShrinkAsTheSchemeNarrows() {
    let w = [Float](repeating: 0.5, count: 64 * 128)
    let sizes = QuantizationScheme.allCases.map { QuantizedMatrix.quantizing(w, rows: 64, columns: 128, scheme: $0).storedByteCount }
    // f32; w8a8 with a scale per 32 weights; w8 with a scale per row; q4 with a scale per 32.
    #expect(sizes == [64 * 128 * 4, 64 * 128 + 64 * 4 * 4, 64 * 128 + 64 * 4, 64 * 64 + 64 * 4 * 4])
  }
}
