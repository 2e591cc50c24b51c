import EdgeProto
import EdgeRuntime
import SwiftProtobuf

// An inference request as the network delivers it: protobuf bytes, decoded and validated
// against a numeric model and a text model. Any input may be refused; none may crash.
let configs: [Inference_ModelConfig] = [
  try! ModelConfigLoader.parse(
    """
    name: "digits"
    backend: "mlp"
    max_batch_size: 64
    input [ { name: "pixels" data_type: TYPE_FP32 dims: [ 64 ] } ]
    output [ { name: "class" data_type: TYPE_INT64 dims: [ 1 ] } ]
    """, modelName: "digits"),
  try! ModelConfigLoader.parse(
    """
    name: "text"
    backend: "bert"
    max_batch_size: 8
    input [ { name: "text" data_type: TYPE_STRING dims: [ 1 ] }, { name: "ids" data_type: TYPE_INT32 dims: [ -1 ] } ]
    output [ { name: "embedding" data_type: TYPE_FP32 dims: [ 4 ] } ]
    parameters { key: "num_attention_heads" value { string_value: "2" } }
    """, modelName: "text"),
]
let limits = RequestLimits(maxElementsPerTensor: 1 << 16, maxBytesElementLength: 1 << 12, maxRequestBytes: 1 << 20)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzInferRequest(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
  let bytes = UnsafeRawBufferPointer(start: start, count: count)
  guard let request = try? Inference_ModelInferRequest(serializedBytes: Array(bytes)) else { return 0 }
  for config in configs {
    _ = try? RequestValidator.validate(request, config: config, limits: limits)
  }
  return 0
}
