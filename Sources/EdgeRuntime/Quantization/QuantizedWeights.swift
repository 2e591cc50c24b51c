import CEdgeKernels

/// Weights quantized from fp32 into a scheme's stored tensors, owned in memory: what
/// `edgeinfer quantize` writes and what tests and benchmarks multiply with.
public final class QuantizedWeights: @unchecked Sendable {
  // @unchecked: immutable after init.
  public let scheme: QuantizationScheme
  public let rows: Int
  public let columns: Int
  /// The `weight` tensor's dtype, shape and bytes.
  public let weightDType: String
  public let weightShape: [Int]
  public let weightBytes: [UInt8]
  /// The `weight_scale` tensor (empty for f32).
  public let scaleShape: [Int]
  public let scales: [Float]

  public init(_ weights: [Float], rows: Int, columns: Int, scheme: QuantizationScheme) {
    precondition(weights.count == rows * columns, "weights must hold rows × columns values")
    self.scheme = scheme
    self.rows = rows
    self.columns = columns
    let paddedK = Int(edge_padded_k(Int32(columns)))
    switch scheme {
    case .f32:
      weightDType = "F32"
      weightShape = [rows, columns]
      weightBytes = Tensor.littleEndianBytes(of: weights)
      scaleShape = []
      scales = []
    case .w8a8:
      var q = [Int8](repeating: 0, count: rows * columns)
      var s = [Float](repeating: 0, count: rows * paddedK / 32)
      edge_quantize_blocks_s8(weights, Int32(rows), Int32(columns), &q, &s)
      weightDType = "I8"
      weightShape = [rows, columns]
      weightBytes = q.map { UInt8(bitPattern: $0) }
      scaleShape = [rows, paddedK / 32]
      scales = s
    case .w8:
      var q = [Int8](repeating: 0, count: rows * columns)
      var s = [Float](repeating: 0, count: rows)
      edge_quantize_rows_s8(weights, Int32(rows), Int32(columns), &q, &s)
      weightDType = "I8"
      weightShape = [rows, columns]
      weightBytes = q.map { UInt8(bitPattern: $0) }
      scaleShape = [rows]
      scales = s
    case .q4:
      var q = [UInt8](repeating: 0, count: rows * paddedK / 2)
      var s = [Float](repeating: 0, count: rows * paddedK / 32)
      edge_quantize_rows_q4(weights, Int32(rows), Int32(columns), &q, &s)
      weightDType = "U8"
      weightShape = [rows, paddedK / 2]
      weightBytes = q
      scaleShape = [rows, paddedK / 32]
      scales = s
    }
  }

  /// A matrix that multiplies with these weights, holding its own aligned copy of them.
  public func matrix() -> QuantizedMatrix {
    let storage = KernelBuffer(bytes: weightBytes, scales: scales)
    return QuantizedMatrix(
      scheme: scheme, rows: rows, columns: columns, owner: storage,
      floats: scheme == .f32 ? storage.weights.assumingMemoryBound(to: Float.self) : nil,
      int8: scheme == .w8a8 || scheme == .w8 ? storage.weights.assumingMemoryBound(to: Int8.self) : nil,
      nibbles: scheme == .q4 ? storage.weights.assumingMemoryBound(to: UInt8.self) : nil,
      scales: scales.isEmpty ? nil : UnsafePointer(storage.scales))
  }
}

/// Aligned, owned copies of a matrix's weights and scales, freed with the matrix.
final class KernelBuffer {
  let weights: UnsafeMutableRawPointer
  let scales: UnsafeMutablePointer<Float>

  init(bytes: [UInt8], scales: [Float]) {
    let weights = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 64)
    bytes.withUnsafeBytes { weights.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
    let copied = UnsafeMutablePointer<Float>.allocate(capacity: max(scales.count, 1))
    copied.initialize(from: scales, count: scales.count)
    self.weights = weights
    self.scales = copied
  }

  deinit {
    weights.deallocate()
    scales.deallocate()
  }
}
