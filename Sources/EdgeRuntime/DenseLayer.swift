/// A fully connected layer, y = x·Wᵀ + b, with W [out × in] and b [out] read in place from the
/// model's mapped safetensors file.
struct DenseLayer: @unchecked Sendable {
  // @unchecked: the pointers are into a read-only mapping kept alive by `file`.
  let file: SafeTensorsFile
  let weights: UnsafeBufferPointer<Float>
  let bias: UnsafeBufferPointer<Float>
  let inFeatures: Int
  let outFeatures: Int

  init(file: SafeTensorsFile, weightName: String, biasName: String) throws(SafeTensorsError) {
    guard let weightInfo = file.tensors[weightName] else { throw .missingTensor(path: file.path, name: weightName) }
    guard let biasInfo = file.tensors[biasName] else { throw .missingTensor(path: file.path, name: biasName) }
    guard weightInfo.shape.count == 2, weightInfo.shape[0] > 0, weightInfo.shape[1] > 0 else {
      throw .malformed(path: file.path, reason: "'\(weightName)' must be a non-empty [out, in] matrix, is \(weightInfo.shape)")
    }
    guard biasInfo.shape == [weightInfo.shape[0]] else {
      throw .malformed(path: file.path, reason: "'\(biasName)' must have shape [\(weightInfo.shape[0])], has \(biasInfo.shape)")
    }
    self.file = file
    self.weights = try file.floats(of: weightName)
    self.bias = try file.floats(of: biasName)
    self.outFeatures = weightInfo.shape[0]
    self.inFeatures = weightInfo.shape[1]
  }

  /// Applies the layer to `rows` inputs of `inFeatures` each.
  func apply(_ input: [Float], rows: Int) -> [Float] {
    var output = [Float](repeating: 0, count: rows * outFeatures)
    input.withUnsafeBufferPointer { x in
      output.withUnsafeMutableBufferPointer { y in
        BLAS.multiplyTransposed(
          m: rows, n: outFeatures, k: inFeatures,
          a: x.baseAddress!, b: weights.baseAddress!, c: y.baseAddress!)
        for row in 0..<rows {
          let base = row * outFeatures
          for column in 0..<outFeatures { y[base + column] += bias[column] }
        }
      }
    }
    return output
  }
}
