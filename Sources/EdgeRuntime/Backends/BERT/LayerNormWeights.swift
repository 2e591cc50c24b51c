import CEdgeKernels

/// A LayerNorm's scale and shift (`<prefix>.weight`, `<prefix>.bias`, F32 [width]), read in
/// place from the mapped file.
struct LayerNormWeights: @unchecked Sendable {
  // @unchecked: both point into a read-only mapping kept alive by `file`.
  let file: SafeTensorsFile
  let gamma: UnsafeBufferPointer<Float>
  let beta: UnsafeBufferPointer<Float>
  let epsilon: Float

  init(file: SafeTensorsFile, prefix: String, width: Int, epsilon: Float) throws(SafeTensorsError) {
    for name in ["\(prefix).weight", "\(prefix).bias"] {
      guard let info = file.tensors[name] else { throw .missingTensor(path: file.path, name: name) }
      guard info.shape == [width] else {
        throw .malformed(path: file.path, reason: "'\(name)' must have shape [\(width)], has \(info.shape)")
      }
    }
    self.file = file
    gamma = try file.floats(of: "\(prefix).weight")
    beta = try file.floats(of: "\(prefix).bias")
    self.epsilon = epsilon
  }

  /// x = LayerNorm(x + residual) over `rows` rows, in place.
  func apply(_ x: UnsafeMutablePointer<Float>, adding residual: UnsafePointer<Float>?, rows: Int) {
    edge_add_layer_norm(x, residual, Int32(rows), Int32(gamma.count), gamma.baseAddress, beta.baseAddress, epsilon)
  }
}
