/// A fully connected layer, y = x·Wᵀ + b, with W [out × in] in any quantization scheme and b
/// [out] read in place from the model's mapped safetensors file.
struct DenseLayer: @unchecked Sendable {
  // @unchecked: the bias points into a read-only mapping kept alive by `file`.
  let file: SafeTensorsFile
  let matrix: QuantizedMatrix
  let bias: UnsafeBufferPointer<Float>

  var inFeatures: Int { matrix.columns }
  var outFeatures: Int { matrix.rows }
  var storedByteCount: Int { matrix.storedByteCount + bias.count * 4 }

  init(file: SafeTensorsFile, prefix: String, scheme: QuantizationScheme, inFeatures: Int) throws(SafeTensorsError) {
    let biasName = "\(prefix).bias"
    matrix = try QuantizedMatrix.mapped(from: file, prefix: prefix, scheme: scheme, columns: inFeatures)
    guard let biasInfo = file.tensors[biasName] else { throw .missingTensor(path: file.path, name: biasName) }
    guard biasInfo.shape == [matrix.rows] else {
      throw .malformed(path: file.path, reason: "'\(biasName)' must have shape [\(matrix.rows)], has \(biasInfo.shape)")
    }
    self.file = file
    self.bias = try file.floats(of: biasName)
  }

  /// Applies the layer to `rows` inputs of `inFeatures` each, writing `rows` × `outFeatures`.
  func apply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>, threads: Int) {
    matrix.multiply(input, m: rows, bias: bias.baseAddress, into: output, threads: threads)
  }

  /// Applies the layer to an input prepared by a matrix of the same form (shared by Q, K and V).
  func apply(_ input: PreparedInput, into output: UnsafeMutablePointer<Float>, threads: Int) {
    matrix.multiply(input, bias: bias.baseAddress, into: output, threads: threads)
  }

  /// Applies the layer to `rows` inputs of `inFeatures` each.
  func apply(_ input: [Float], rows: Int, threads: Int) -> [Float] {
    var output = [Float](repeating: 0, count: rows * outFeatures)
    input.withUnsafeBufferPointer { x in
      output.withUnsafeMutableBufferPointer { y in
        matrix.multiply(x.baseAddress!, m: rows, bias: bias.baseAddress, into: y.baseAddress!, threads: threads)
      }
    }
    return output
  }
}
