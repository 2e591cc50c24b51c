import EdgeRuntime

// A BYTES tensor's raw contents (4-byte little-endian lengths, each followed by that many
// bytes), for element counts around what the bytes could hold. Decoding must refuse or succeed,
// and what it decodes must encode back to the same bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBytesTensor(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
  let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
  guard let first = bytes.first else { return 0 }
  let data = Array(bytes.dropFirst())
  let elements = Int(first % 16)
  if let decoded = try? BytesTensorCodec.decode(data, count: elements, maxElementLength: 1 << 12) {
    precondition(BytesTensorCodec.encode(decoded) == data, "decoded BYTES did not encode back to its input")
  }
  return 0
}
