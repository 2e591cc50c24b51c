import CEdgeKernels

/// A multiply's input in the form its kernel reads: the fp32 rows themselves, or for W8A8 their
/// int8 blocks and scales. Matrices that share an input (attention's query, key and value)
/// prepare it once.
public final class PreparedInput: @unchecked Sendable {
  // @unchecked: written once in init, read-only after.
  let floats: UnsafePointer<Float>
  let rows: Int
  let columns: Int
  /// Quantization passes (1, or 2 with the first pass's rounding error quantized again).
  let passes: Int
  let quantized: UnsafeMutablePointer<Int8>?
  let scales: UnsafeMutablePointer<Float>?

  /// Rows of fp32 as they are (the pointer must outlive this value).
  init(floats: UnsafePointer<Float>, rows: Int, columns: Int) {
    self.floats = floats
    self.rows = rows
    self.columns = columns
    passes = 0
    quantized = nil
    scales = nil
  }

  /// Rows quantized to int8 blocks of 32. With two passes each row becomes [q₁ | q₂] over twice
  /// the padded width, q₂ being the quantized rounding error x − deq(q₁): multiplied by weights
  /// stored twice along K, the GEMM then sums W·q₁ + W·q₂ in one call, about 15 bits of
  /// activation precision from the same int8 kernel.
  init(quantizing x: UnsafePointer<Float>, rows: Int, columns: Int, passes: Int) {
    precondition(passes == 1 || passes == 2, "one or two quantization passes")
    let paddedK = Int(edge_padded_k(Int32(columns)))
    let blocks = paddedK / Int(EDGE_BLOCK)
    let quantized = UnsafeMutablePointer<Int8>.allocate(capacity: max(rows, 1) * paddedK * passes)
    let scales = UnsafeMutablePointer<Float>.allocate(capacity: max(rows, 1) * blocks * passes)
    if passes == 1 {
      edge_quantize_activations(x, Int32(rows), Int32(columns), quantized, scales)
    } else {
      let first = UnsafeMutablePointer<Int8>.allocate(capacity: rows * paddedK)
      let firstScales = UnsafeMutablePointer<Float>.allocate(capacity: rows * blocks)
      let residual = UnsafeMutablePointer<Float>.allocate(capacity: rows * columns)
      defer {
        first.deallocate()
        firstScales.deallocate()
        residual.deallocate()
      }
      edge_quantize_activations(x, Int32(rows), Int32(columns), first, firstScales)
      edge_dequantize_activations(first, firstScales, Int32(rows), Int32(columns), residual)
      for index in 0..<rows * columns { residual[index] = x[index] - residual[index] }
      let second = UnsafeMutablePointer<Int8>.allocate(capacity: rows * paddedK)
      let secondScales = UnsafeMutablePointer<Float>.allocate(capacity: rows * blocks)
      defer {
        second.deallocate()
        secondScales.deallocate()
      }
      edge_quantize_activations(residual, Int32(rows), Int32(columns), second, secondScales)
      for row in 0..<rows {
        (quantized + row * 2 * paddedK).update(from: first + row * paddedK, count: paddedK)
        (quantized + row * 2 * paddedK + paddedK).update(from: second + row * paddedK, count: paddedK)
        (scales + row * 2 * blocks).update(from: firstScales + row * blocks, count: blocks)
        (scales + row * 2 * blocks + blocks).update(from: secondScales + row * blocks, count: blocks)
      }
    }
    self.floats = x
    self.rows = rows
    self.columns = columns
    self.passes = passes
    self.quantized = quantized
    self.scales = scales
  }

  deinit {
    quantized?.deallocate()
    scales?.deallocate()
  }
}
