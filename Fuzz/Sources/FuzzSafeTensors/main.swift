import EdgeRuntime

// A safetensors file (8-byte header length, JSON header, data) as a model repository might hold
// it, corrupted in any way: reading its layout must refuse it or describe tensors that lie
// inside its data, and each described tensor's bytes must be readable.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
  let file = UnsafeRawBufferPointer(start: start, count: count)
  guard let layout = try? SafeTensorsFile.layout(of: file) else { return 0 }
  let headerLength = Int(file.loadUnaligned(as: UInt64.self).littleEndian)
  let data = UnsafeRawBufferPointer(rebasing: file[(8 + headerLength)...])
  for (_, tensor) in layout.tensors {
    precondition(tensor.range.lowerBound >= 0 && tensor.range.upperBound <= data.count, "a tensor lies outside the data")
    var sum: UInt8 = 0
    for byte in UnsafeRawBufferPointer(rebasing: data[tensor.range]) { sum &+= byte }
    _ = sum
  }
  return 0
}
