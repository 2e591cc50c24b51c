import EdgeProto
import EdgeRuntime
import EdgeWire
import SwiftProtobuf

// The router reads requests and answers as bytes (EdgeWire) instead of decoding them. Any input
// may be refused; none may crash; and where SwiftProtobuf decodes the same bytes, the scanner
// must read the same model, version, rows and payload size (and the same payload and integer
// parameters of an answer).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWireScanner(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
  let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
  let summary = try? InferRequestSummary(scanning: bytes)
  if let summary, let request = try? Inference_ModelInferRequest(serializedBytes: bytes) {
    let rows = request.inputs.first?.shape.first ?? 1
    let payload = RequestValidator.payloadBytes(of: request)
    guard summary.modelName == request.modelName, summary.modelVersion == request.modelVersion, summary.rows == rows,
      summary.payloadBytes == payload
    else {
      fatalError("scanner and decoder disagree: \(summary) against \(request.modelName) \(request.modelVersion) \(rows) \(payload)")
    }
  }
  let answer = try? InferResponseSummary(scanning: bytes)
  if let answer, let response = try? Inference_ModelInferResponse(serializedBytes: bytes) {
    var integers: [String: Int64] = [:]
    for (key, value) in response.parameters {
      if case .int64Param(let number) = value.parameterChoice { integers[key] = number }
    }
    let payload = response.rawOutputContents.reduce(0) { $0 + $1.count }
      + response.outputs.reduce(0) { $0 + ($1.hasContents ? RequestValidator.payloadBytes(of: $1.contents) : 0) }
    guard answer.int64Parameters == integers, answer.payloadBytes == payload else {
      fatalError("scanner and decoder disagree on an answer: \(answer) against \(integers) \(payload)")
    }
  }
  return 0
}
