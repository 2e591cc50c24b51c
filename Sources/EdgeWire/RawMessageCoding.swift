public import GRPCCore

/// A message passed through as its serialized bytes: the router's forwarding path reads what it
/// needs with ProtobufScanner and never decodes or re-encodes a request or response.
public struct RawMessageSerializer: MessageSerializer {
  public init() {}

  public func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes {
    Bytes(message)
  }
}

public struct RawMessageDeserializer: MessageDeserializer {
  public init() {}

  public func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
    serializedMessageBytes.withUnsafeBytes { Array($0) }
  }
}
