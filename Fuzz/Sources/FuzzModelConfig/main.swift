import EdgeProto
import EdgeRuntime

// A config.pbtxt (protobuf text format) as a model repository might hold it: parsing must refuse
// it or yield a config that passes its own checks.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelConfig(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
  let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
  _ = try? ModelConfigLoader.parse(text, modelName: "fuzz")
  return 0
}
