/// Bytes that are not a well-formed protobuf message, found while scanning one.
public struct WireFormatError: Error, Sendable, Equatable, CustomStringConvertible {
  public var description: String

  public init(_ description: String) {
    self.description = description
  }
}
