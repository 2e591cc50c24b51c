import CEdgeKernels

/// A multiply's input in the form its kernel reads: the fp32 rows themselves, or for W8A8 their
/// int8 blocks with a step and a zero point each. Matrices that share an input (attention's query, key and value)
/// prepare it once.
public final class PreparedInput: @unchecked Sendable {
  // @unchecked: written once in init, read-only after.
  let floats: UnsafePointer<Float>
  let rows: Int
  let columns: Int
  let quantized: UnsafeMutablePointer<Int8>?
  let scales: UnsafeMutablePointer<Float>?
  let zeros: UnsafeMutablePointer<Int8>?

  /// Rows of fp32 as they are (the pointer must outlive this value).
  init(floats: UnsafePointer<Float>, rows: Int, columns: Int) {
    self.floats = floats
    self.rows = rows
    self.columns = columns
    quantized = nil
    scales = nil
    zeros = nil
  }

  /// Rows quantized to int8 blocks of 32 with a step and a zero point each.
  init(quantizing x: UnsafePointer<Float>, rows: Int, columns: Int) {
    let paddedK = Int(edge_padded_k(Int32(columns)))
    let blocks = max(rows, 1) * paddedK / Int(EDGE_BLOCK)
    let quantized = UnsafeMutablePointer<Int8>.allocate(capacity: max(rows, 1) * paddedK)
    let scales = UnsafeMutablePointer<Float>.allocate(capacity: blocks)
    let zeros = UnsafeMutablePointer<Int8>.allocate(capacity: blocks)
    edge_quantize_activations(x, Int32(rows), Int32(columns), quantized, scales, zeros)
    self.floats = x
    self.rows = rows
    self.columns = columns
    self.quantized = quantized
    self.scales = scales
    self.zeros = zeros
  }

  deinit {
    quantized?.deallocate()
    scales?.deallocate()
    zeros?.deallocate()
  }
}
