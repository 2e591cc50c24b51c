import CEdgeKernels

extension QuantizedMatrix {
  /// Maps `<prefix>.weight` (and `<prefix>.weight_scale`) of a version stored in `scheme`,
  /// checking dtypes and shapes. `columns` is the layer's input width, which Q4's padded
  /// storage does not record.
  static func mapped(
    from file: SafeTensorsFile, prefix: String, scheme: QuantizationScheme, columns: Int
  ) throws(SafeTensorsError) -> QuantizedMatrix {
    let weightName = "\(prefix).weight", scaleName = "\(prefix).weight_scale"
    guard let weight = file.tensors[weightName] else { throw .missingTensor(path: file.path, name: weightName) }
    func malformed(_ reason: String) -> SafeTensorsError { .malformed(path: file.path, reason: reason) }
    guard weight.shape.count == 2, weight.shape[0] > 0, columns > 0 else {
      throw malformed("'\(weightName)' must be a non-empty matrix, is \(weight.shape)")
    }
    let rows = weight.shape[0]
    let paddedColumns = Int(edge_padded_k(Int32(columns)))
    func scalesChecked(_ shape: [Int]) throws(SafeTensorsError) -> UnsafePointer<Float> {
      guard let info = file.tensors[scaleName] else { throw .missingTensor(path: file.path, name: scaleName) }
      guard info.shape == shape else { throw malformed("'\(scaleName)' must have shape \(shape), has \(info.shape)") }
      return try file.floats(of: scaleName).baseAddress!
    }
    // A layer a quantized version keeps in full precision (`edgeinfer quantize --keep-fp32`).
    let stored = weight.dtype == "F32" && file.tensors[scaleName] == nil ? QuantizationScheme.f32 : scheme
    switch stored {
    case .f32:
      guard weight.shape[1] == columns else { throw malformed("'\(weightName)' has \(weight.shape[1]) columns, expected \(columns)") }
      return QuantizedMatrix(scheme: .f32, rows: rows, columns: columns, owner: file, floats: try file.floats(of: weightName).baseAddress)
    case .w8a8, .w8:
      guard weight.dtype == "I8" else { throw .wrongType(path: file.path, name: weightName, expected: "I8", found: weight.dtype) }
      guard weight.shape[1] == columns else { throw malformed("'\(weightName)' has \(weight.shape[1]) columns, expected \(columns)") }
      let bytes = try file.bytes(of: weightName)
      return QuantizedMatrix(
        scheme: scheme, rows: rows, columns: columns, owner: file,
        int8: bytes.baseAddress!.assumingMemoryBound(to: Int8.self),
        scales: try scalesChecked(scheme == .w8a8 ? [rows, paddedColumns / 32] : [rows]))
    case .q4:
      guard weight.dtype == "U8" else { throw .wrongType(path: file.path, name: weightName, expected: "U8", found: weight.dtype) }
      guard weight.shape[1] == paddedColumns / 2 else {
        throw malformed("'\(weightName)' must have shape [\(rows), \(paddedColumns / 2)] for \(columns) columns, has \(weight.shape)")
      }
      let bytes = try file.bytes(of: weightName)
      return QuantizedMatrix(
        scheme: .q4, rows: rows, columns: columns, owner: file,
        nibbles: bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), scales: try scalesChecked([rows, paddedColumns / 32]))
    }
  }
}
