import EdgeRuntime
import Testing

/// Joining requests into a batch and splitting its outputs back, for fixed-size and BYTES
/// tensors.
struct TensorRowsTests {
  @Test func numericInputsConcatenateAlongTheBatchDimensionAndSplitBack() throws {
    let a = [Tensor(name: "x", shape: [1, 2], floats: [1, 2])]
    let b = [Tensor(name: "x", shape: [2, 2], floats: [3, 4, 5, 6])]
    let joined = TensorRows.concatenate([a, b])
    #expect(joined == [Tensor(name: "x", shape: [3, 2], floats: [1, 2, 3, 4, 5, 6])])
    let parts = try TensorRows.split(ModelOutput(tensors: joined, truncatedRows: [0, 2]), rows: [1, 2])
    #expect(parts[0] == ModelOutput(tensors: a, truncatedRows: [0]))
    #expect(parts[1] == ModelOutput(tensors: b, truncatedRows: [1]))
  }

  @Test func bytesTensorsSplitOnTheirLengthPrefixes() throws {
    let texts: [[UInt8]] = [Array("a".utf8), Array("".utf8), Array("three".utf8), Array("xy".utf8)]
    let whole = Tensor(name: "t", dataType: .bytes, shape: [4, 1], data: BytesTensorCodec.encode(texts))
    let parts = try TensorRows.split(ModelOutput(tensors: [whole]), rows: [3, 1])
    #expect(parts[0].tensors[0] == Tensor(name: "t", dataType: .bytes, shape: [3, 1], data: BytesTensorCodec.encode(Array(texts[0..<3]))))
    #expect(parts[1].tensors[0] == Tensor(name: "t", dataType: .bytes, shape: [1, 1], data: BytesTensorCodec.encode([texts[3]])))
    #expect(TensorRows.concatenate(parts.map(\.tensors)) == [whole])
  }

  @Test func anOutputOfTheWrongShapeIsAnExecutionFailure() {
    let wrongRows = ModelOutput(tensors: [Tensor(name: "y", shape: [2, 2], floats: [1, 2, 3, 4])])
    #expect(throws: InferenceError.self) { try TensorRows.split(wrongRows, rows: [1, 2]) }
    let shortData = ModelOutput(tensors: [Tensor(name: "y", dataType: .fp32, shape: [3, 2], data: [0, 0, 0, 0])])
    #expect(throws: InferenceError.self) { try TensorRows.split(shortData, rows: [1, 2]) }
    let cutBytes = ModelOutput(tensors: [Tensor(name: "t", dataType: .bytes, shape: [2, 1], data: [5, 0, 0, 0, 1])])
    #expect(throws: InferenceError.self) { try TensorRows.split(cutBytes, rows: [1, 1]) }
  }
}
