/// A dense tensor: its element bytes in little-endian row-major order (length-prefixed elements
/// for BYTES), as the protocol's raw contents carry them.
public struct Tensor: Sendable, Equatable {
  public var name: String
  public var dataType: TensorDataType
  public var shape: [Int]
  public var data: [UInt8]

  public init(name: String, dataType: TensorDataType, shape: [Int], data: [UInt8]) {
    self.name = name
    self.dataType = dataType
    self.shape = shape
    self.data = data
  }

  public init(name: String, shape: [Int], floats: [Float]) {
    self.init(name: name, dataType: .fp32, shape: shape, data: Tensor.littleEndianBytes(of: floats))
  }

  public init(name: String, shape: [Int], int64s: [Int64]) {
    self.init(name: name, dataType: .int64, shape: shape, data: Tensor.littleEndianBytes(of: int64s))
  }

  public var elementCount: Int { shape.reduce(1, *) }

  /// The elements as Float; the tensor must be FP32.
  public func floats() -> [Float] {
    precondition(dataType == .fp32, "floats() of a \(dataType.rawValue) tensor")
    return Tensor.values(from: data)
  }

  /// The elements as Int64; the tensor must be INT64.
  public func int64s() -> [Int64] {
    precondition(dataType == .int64, "int64s() of a \(dataType.rawValue) tensor")
    return Tensor.values(from: data)
  }

  static func littleEndianBytes<T: FixedWidthNumeric>(of values: [T]) -> [UInt8] {
    var bytes = [UInt8]()
    bytes.reserveCapacity(values.count * MemoryLayout<T>.size)
    for value in values { value.appendLittleEndian(to: &bytes) }
    return bytes
  }

  static func values<T: FixedWidthNumeric>(from bytes: [UInt8]) -> [T] {
    let count = bytes.count / MemoryLayout<T>.size
    return bytes.withUnsafeBytes { raw in
      (0..<count).map { T(littleEndianBytesAt: raw, offset: $0 * MemoryLayout<T>.size) }
    }
  }
}
