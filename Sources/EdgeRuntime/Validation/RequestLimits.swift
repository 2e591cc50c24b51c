/// Bounds on what one request may ask of a node, so a single caller cannot exhaust its memory.
public struct RequestLimits: Sendable, Equatable {
  /// Elements in one input tensor.
  public var maxElementsPerTensor: Int
  /// Bytes in one element of a BYTES tensor.
  public var maxBytesElementLength: Int
  /// Bytes of tensor data in one request, raw and typed together.
  public var maxRequestBytes: Int
  /// Longest deadline a call may ask for: a call that may hold a queue slot and its memory for
  /// an hour is refused rather than trusted.
  public var maxDeadline: Duration

  public init(
    maxElementsPerTensor: Int = 1 << 24, maxBytesElementLength: Int = 1 << 20, maxRequestBytes: Int = 64 << 20,
    maxDeadline: Duration = .seconds(300)
  ) {
    self.maxElementsPerTensor = maxElementsPerTensor
    self.maxBytesElementLength = maxBytesElementLength
    self.maxRequestBytes = maxRequestBytes
    self.maxDeadline = maxDeadline
  }

  /// Refuses a deadline longer than `maxDeadline` (none asked is fine: the server's default
  /// applies).
  public func checkDeadline(_ timeout: Duration?) throws(InferenceError) {
    guard let timeout, timeout > maxDeadline else { return }
    func seconds(_ duration: Duration) -> String {
      let value = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
      return value.rounded() == value ? String(Int(value)) : String(value)
    }
    throw .invalidRequest("the call's deadline of \(seconds(timeout)) s is past this server's limit of \(seconds(maxDeadline)) s; ask for at most that")
  }
}
