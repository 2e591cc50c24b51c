import CEdgeKernels

/// A weight matrix W [rows × columns] (out × in) in one of the quantization schemes, with
/// whatever packed form its kernel needs prepared once, and `multiply` picking the kernel:
/// y[m × rows] = x[m × columns] · Wᵀ + bias.
///
/// Stored tensors (safetensors), by scheme:
/// - f32: `weight` F32 [rows, columns].
/// - w8a8: `weight` I8 [rows, columns], `weight_scale` F32 [rows, padded columns / 32]
///   (symmetric, per block of 32 along K; the activations are quantized in the same blocks, each
///   with a zero point).
/// - w8: `weight` I8 [rows, columns], `weight_scale` F32 [rows] (symmetric, per row).
/// - q4: `weight` U8 [rows, padded columns / 2] (see edge_kernels.h for the nibble layout),
///   `weight_scale` F32 [rows, padded columns / 32].
public final class QuantizedMatrix: @unchecked Sendable {
  // @unchecked: every buffer is read-only after init; the mapped ones live as long as `owner`.
  public let scheme: QuantizationScheme
  public let rows: Int
  public let columns: Int
  private let owner: AnyObject?
  private let floats: UnsafePointer<Float>?
  private let int8: UnsafePointer<Int8>?
  private let nibbles: UnsafePointer<UInt8>?
  private let scales: UnsafePointer<Float>?
  /// The W8A8 GEMM's interleaved panels, block scales and zero terms (−scale · Σ w of each
  /// block, for the activations' zero points), built at load.
  private let packed: UnsafeMutablePointer<Int8>?
  private let packedScales: UnsafeMutablePointer<Float>?
  private let packedZeroTerms: UnsafeMutablePointer<Float>?
  /// fp32 weights in the packed GEMM's panels, built at load where the CPU has a vector path
  /// (elsewhere the BLAS multiplies the stored weights).
  private let packedFloats: UnsafeMutablePointer<Float>?

  /// Bytes of weights and scales as stored (the packed copy excluded).
  public let storedByteCount: Int

  init(
    scheme: QuantizationScheme, rows: Int, columns: Int, owner: AnyObject?, floats: UnsafePointer<Float>? = nil,
    int8: UnsafePointer<Int8>? = nil, nibbles: UnsafePointer<UInt8>? = nil, scales: UnsafePointer<Float>? = nil
  ) {
    self.scheme = scheme
    self.rows = rows
    self.columns = columns
    self.owner = owner
    self.floats = floats
    self.int8 = int8
    self.nibbles = nibbles
    self.scales = scales
    let paddedColumns = Int(edge_padded_k(Int32(columns)))
    switch scheme {
    case .f32: storedByteCount = rows * columns * 4
    case .w8a8: storedByteCount = rows * columns + rows * paddedColumns / 32 * 4
    case .w8: storedByteCount = rows * columns + rows * 4
    case .q4: storedByteCount = rows * paddedColumns / 2 + rows * paddedColumns / 32 * 4
    }
    if scheme == .w8a8, let int8, let scales {
      let buffer = UnsafeMutablePointer<Int8>.allocate(capacity: edge_packed_w8_count(Int32(rows), Int32(columns)))
      edge_pack_w8(int8, Int32(rows), Int32(columns), buffer)
      let blocks = edge_packed_w8_scale_count(Int32(rows), Int32(columns))
      let scaleBuffer = UnsafeMutablePointer<Float>.allocate(capacity: blocks)
      edge_pack_w8_scales(scales, Int32(rows), Int32(columns), scaleBuffer)
      let termBuffer = UnsafeMutablePointer<Float>.allocate(capacity: blocks)
      edge_pack_w8_zero_terms(int8, scales, Int32(rows), Int32(columns), termBuffer)
      packed = buffer
      packedScales = scaleBuffer
      packedZeroTerms = termBuffer
    } else {
      packed = nil
      packedScales = nil
      packedZeroTerms = nil
    }
    if scheme == .f32, let floats, edge_kernels_best_path() >= EDGE_PATH_AVX2 {
      let buffer = UnsafeMutablePointer<Float>.allocate(capacity: edge_packed_f32_count(Int32(rows), Int32(columns)))
      edge_pack_f32(floats, Int32(rows), Int32(columns), buffer)
      packedFloats = buffer
    } else {
      packedFloats = nil
    }
  }

  deinit {
    packed?.deallocate()
    packedScales?.deallocate()
    packedZeroTerms?.deallocate()
    packedFloats?.deallocate()
  }

  /// The input in the form this matrix's kernel reads (quantized for W8A8).
  public func prepare(_ x: UnsafePointer<Float>, m: Int) -> PreparedInput {
    scheme == .w8a8
      ? PreparedInput(quantizing: x, rows: m, columns: columns)
      : PreparedInput(floats: x, rows: m, columns: columns)
  }

  /// Quantizes fp32 weights [rows × columns] into `scheme`, owning the result.
  public static func quantizing(_ weights: [Float], rows: Int, columns: Int, scheme: QuantizationScheme) -> QuantizedMatrix {
    let parts = QuantizedWeights(weights, rows: rows, columns: columns, scheme: scheme)
    return parts.matrix()
  }

  /// y = x · Wᵀ (+ bias): x is [m × columns], y [m × rows], row-major.
  public func multiply(
    _ x: UnsafePointer<Float>, m: Int, bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>, threads: Int = 1
  ) {
    multiply(prepare(x, m: m), bias: bias, into: y, threads: threads)
  }

  /// y = x · Wᵀ (+ bias) for an input prepared by this matrix or one of the same scheme and width.
  public func multiply(_ input: PreparedInput, bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>, threads: Int = 1) {
    precondition(input.columns == columns, "input width \(input.columns) for a matrix of \(columns) columns")
    let x = input.floats, m = input.rows
    let n = rows, k = columns
    let work = m * n * k
    switch scheme {
    case .f32:
      if let packedFloats, edge_kernels_use_avx2() != 0 {
        KernelThreads.split(columns: n, work: work, threads: threads, alignment: 16) { begin, end in
          edge_sgemm_packed(x, Int32(m), Int32(k), packedFloats, bias, Int32(n), Int32(begin), Int32(end), y)
        }
        return
      }
      BLAS.multiplyTransposed(m: m, n: n, k: k, a: x, b: floats!, c: y)
      if let bias {
        for row in 0..<m { for column in 0..<n { y[row * n + column] += bias[column] } }
      }
    case .w8a8:
      guard let quantized = input.quantized, let activationScales = input.scales, let zeros = input.zeros else {
        preconditionFailure("a W8A8 multiply needs an input prepared by a W8A8 matrix")
      }
      KernelThreads.split(columns: n, work: work, threads: threads, alignment: 16) { begin, end in
        edge_gemm_w8a8(
          quantized, activationScales, zeros, Int32(m), Int32(k), packed!, packedScales!, packedZeroTerms!, bias, Int32(n),
          Int32(begin), Int32(end), y)
      }
    case .w8:
      for row in 0..<m {
        KernelThreads.split(columns: n, work: n * k, threads: threads, alignment: 16) { begin, end in
          edge_gemv_q8(x + row * k, Int32(k), int8!, scales!, bias, Int32(begin), Int32(end), y + row * n)
        }
      }
    case .q4:
      for row in 0..<m {
        KernelThreads.split(columns: n, work: n * k, threads: threads, alignment: 16) { begin, end in
          edge_gemv_q4(x + row * k, Int32(k), nibbles!, scales!, bias, Int32(begin), Int32(end), y + row * n)
        }
      }
    }
  }
}
