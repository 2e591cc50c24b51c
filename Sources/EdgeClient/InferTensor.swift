public import Foundation

/// A tensor sent to or received from a model: protocol datatype, shape, and little-endian
/// row-major element bytes.
public struct InferTensor: Sendable, Equatable {
  public var name: String
  public var datatype: String
  public var shape: [Int64]
  public var data: Data

  public init(name: String, datatype: String, shape: [Int64], data: Data) {
    self.name = name
    self.datatype = datatype
    self.shape = shape
    self.data = data
  }

  /// An FP32 tensor.
  public static func fp32(_ name: String, shape: [Int64], values: [Float]) -> InferTensor {
    var data = Data(capacity: values.count * 4)
    for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
    return InferTensor(name: name, datatype: "FP32", shape: shape, data: data)
  }

  /// A BYTES tensor of UTF-8 texts, one per row: shape [count, 1] (the batch dimension and a
  /// single text), each element length-prefixed as the protocol's raw contents encode BYTES.
  public static func texts(_ name: String, _ texts: [String]) -> InferTensor {
    var data = Data()
    for text in texts {
      let bytes = Array(text.utf8)
      withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { data.append(contentsOf: $0) }
      data.append(contentsOf: bytes)
    }
    return InferTensor(name: name, datatype: "BYTES", shape: [Int64(texts.count), 1], data: data)
  }

  /// The elements of an FP32 tensor; nil for other datatypes.
  public var floats: [Float]? {
    guard datatype == "FP32" else { return nil }
    return stride(from: 0, to: data.count - 3, by: 4).map { offset in
      Float(bitPattern: UInt32(littleEndian: data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self) }))
    }
  }

  /// The elements of an INT64 tensor; nil for other datatypes.
  public var int64s: [Int64]? {
    guard datatype == "INT64" else { return nil }
    return stride(from: 0, to: data.count - 7, by: 8).map { offset in
      Int64(littleEndian: data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Int64.self) })
    }
  }
}
