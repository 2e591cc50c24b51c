/// Joins requests' tensors into one batch along the batch dimension and splits a batch's outputs
/// back into each request's rows. Pure and copy-only: the batcher's executor sees one tensor per
/// input whatever the number of requests behind it.
public enum TensorRows {
  /// Concatenates each input across `parts` (one inputs array per request, same names, types and
  /// shapes past the batch dimension, as the batcher's group guarantees). BYTES data concatenates
  /// as it is: its elements are length-prefixed.
  public static func concatenate(_ parts: [[Tensor]]) -> [Tensor] {
    guard let first = parts.first else { return [] }
    guard parts.count > 1 else { return first }
    return first.indices.map { index in
      let column = parts.map { $0[index] }
      var data = [UInt8]()
      data.reserveCapacity(column.reduce(0) { $0 + $1.data.count })
      for tensor in column { data.append(contentsOf: tensor.data) }
      var shape = first[index].shape
      shape[0] = column.reduce(0) { $0 + $1.shape[0] }
      return Tensor(name: first[index].name, dataType: first[index].dataType, shape: shape, data: data)
    }
  }

  /// Splits a batch's output into consecutive parts of `rows` rows each, with truncated rows
  /// renumbered within their part. Fails when an output's batch dimension does not hold the
  /// rows (a model that answered the wrong shape).
  public static func split(_ output: ModelOutput, rows: [Int]) throws(InferenceError) -> [ModelOutput] {
    guard rows.count > 1 else { return [output] }
    let total = rows.reduce(0, +)
    var parts = rows.map { _ in ModelOutput(tensors: []) }
    for tensor in output.tensors {
      guard let batch = tensor.shape.first, batch == total else {
        throw .executionFailed("output '\(tensor.name)' has shape \(tensor.shape) for a batch of \(total) rows")
      }
      let bounds = try rowBounds(of: tensor, rows: total)
      var row = 0
      for (part, count) in rows.enumerated() {
        var shape = tensor.shape
        shape[0] = count
        let data = Array(tensor.data[bounds[row]..<bounds[row + count]])
        parts[part].tensors.append(Tensor(name: tensor.name, dataType: tensor.dataType, shape: shape, data: data))
        row += count
      }
    }
    var start = 0
    for (part, count) in rows.enumerated() {
      parts[part].truncatedRows = output.truncatedRows.filter { $0 >= start && $0 < start + count }.map { $0 - start }
      start += count
    }
    return parts
  }

  /// Byte offset where each row starts, and the end: fixed strides for numeric types, a walk of
  /// the length prefixes for BYTES.
  static func rowBounds(of tensor: Tensor, rows: Int) throws(InferenceError) -> [Int] {
    let perRow = tensor.shape.dropFirst().reduce(1, *)
    if let size = tensor.dataType.elementSize {
      guard tensor.data.count == rows * perRow * size else {
        throw .executionFailed("output '\(tensor.name)' holds \(tensor.data.count) bytes, not \(rows * perRow * size)")
      }
      return (0...rows).map { $0 * perRow * size }
    }
    var bounds = [0]
    var offset = 0
    for _ in 0..<rows {
      for _ in 0..<perRow {
        guard offset + 4 <= tensor.data.count else {
          throw .executionFailed("output '\(tensor.name)' ends inside a BYTES element")
        }
        let length = tensor.data[offset..<offset + 4].reversed().reduce(0) { $0 << 8 | Int($1) }
        offset += 4 + length
        guard offset <= tensor.data.count else {
          throw .executionFailed("output '\(tensor.name)' ends inside a BYTES element")
        }
      }
      bounds.append(offset)
    }
    return bounds
  }
}
