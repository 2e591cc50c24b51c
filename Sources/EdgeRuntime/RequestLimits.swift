/// Bounds on what one request may ask of a node, so a single caller cannot exhaust its memory.
public struct RequestLimits: Sendable, Equatable {
  /// Elements in one input tensor.
  public var maxElementsPerTensor: Int
  /// Bytes in one element of a BYTES tensor.
  public var maxBytesElementLength: Int
  /// Bytes of tensor data in one request, raw and typed together.
  public var maxRequestBytes: Int

  public init(maxElementsPerTensor: Int = 1 << 24, maxBytesElementLength: Int = 1 << 20, maxRequestBytes: Int = 64 << 20) {
    self.maxElementsPerTensor = maxElementsPerTensor
    self.maxBytesElementLength = maxBytesElementLength
    self.maxRequestBytes = maxRequestBytes
  }
}
