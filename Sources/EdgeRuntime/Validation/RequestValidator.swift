import Foundation
public import EdgeProto

/// Checks an Open Inference Protocol request against its model's configuration: every input
/// present once and known, datatype, rank, dims, batch size, element count (overflow-safe),
/// raw byte size = elements × element size, and typed contents of the right kind and count.
/// Typed contents are converted to the raw form, so the rest of the node sees one encoding.
public enum RequestValidator {
  public static func validate(
    _ request: Inference_ModelInferRequest,
    config: Inference_ModelConfig,
    limits: RequestLimits = RequestLimits()
  ) throws(InferenceError) -> ValidatedInferRequest {
    try checkSize(request, limits: limits)
    let usesRaw = !request.rawInputContents.isEmpty
    if usesRaw && request.rawInputContents.count != request.inputs.count {
      throw .invalidRequest(
        "raw_input_contents has \(request.rawInputContents.count) entries for \(request.inputs.count) inputs; send one per input or none")
    }
    var byName: [String: Int] = [:]
    for (index, input) in request.inputs.enumerated() {
      guard byName.updateValue(index, forKey: input.name) == nil else {
        throw .invalidRequest("input '\(input.name)' appears more than once")
      }
      guard config.input.contains(where: { $0.name == input.name }) else {
        throw .invalidRequest("model '\(config.name)' has no input '\(input.name)' (inputs: \(config.input.map(\.name).joined(separator: ", ")))")
      }
    }

    let batched = config.maxBatchSize > 0
    var batchSize: Int? = batched ? nil : 1
    var tensors: [Tensor] = []
    for declared in config.input {
      guard let index = byName[declared.name] else {
        if declared.optional { continue }
        throw .invalidRequest("input '\(declared.name)' is missing")
      }
      let input = request.inputs[index]
      let dataType = TensorDataType(declared.dataType)!
      guard input.datatype == dataType.rawValue else {
        throw .invalidRequest("input '\(input.name)' must be \(dataType.rawValue), got '\(input.datatype)'")
      }
      let shape = try checkShape(input, declared: declared, batched: batched, maxBatchSize: Int(config.maxBatchSize))
      if batched {
        if let expected = batchSize, expected != shape[0] {
          throw .invalidRequest("input '\(input.name)' has batch size \(shape[0]) but another input has \(expected)")
        }
        batchSize = shape[0]
      }
      let elements = try elementCount(of: shape, name: input.name, limits: limits)
      let data: [UInt8]
      if usesRaw {
        if input.hasContents {
          throw .invalidRequest("input '\(input.name)' has typed contents while the request uses raw_input_contents")
        }
        data = [UInt8](request.rawInputContents[index])
        try checkRawSize(data, dataType: dataType, elements: elements, name: input.name, limits: limits)
      } else {
        data = try TypedContentsDecoder.decode(input.contents, dataType: dataType, elements: elements, name: input.name)
        if dataType == .bytes {
          _ = try BytesTensorCodec.decode(data, count: elements, maxElementLength: limits.maxBytesElementLength)
        }
      }
      tensors.append(Tensor(name: declared.name, dataType: dataType, shape: shape, data: data))
    }

    var outputNames: [String] = []
    for requested in request.outputs {
      guard config.output.contains(where: { $0.name == requested.name }) else {
        throw .invalidRequest("model '\(config.name)' has no output '\(requested.name)' (outputs: \(config.output.map(\.name).joined(separator: ", ")))")
      }
      guard !outputNames.contains(requested.name) else {
        throw .invalidRequest("output '\(requested.name)' is requested more than once")
      }
      outputNames.append(requested.name)
    }
    if outputNames.isEmpty { outputNames = config.output.map(\.name) }
    return ValidatedInferRequest(batchSize: batchSize ?? 1, inputs: tensors, outputNames: outputNames)
  }

  /// Refuses a request whose tensor data exceeds the limit, before any of it is decoded.
  public static func checkSize(_ request: Inference_ModelInferRequest, limits: RequestLimits) throws(InferenceError) {
    try checkSize(payloadBytes: payloadBytes(of: request), limits: limits)
  }

  /// Refuses a request carrying more than the limit of tensor data (counted as payloadBytes).
  public static func checkSize(payloadBytes bytes: Int, limits: RequestLimits) throws(InferenceError) {
    guard bytes <= limits.maxRequestBytes else {
      throw .limitExceeded("the request carries \(bytes) bytes of tensor data; the limit is \(limits.maxRequestBytes)")
    }
  }

  /// Tensor bytes in a request: raw contents plus typed contents at their element sizes.
  public static func payloadBytes(of request: Inference_ModelInferRequest) -> Int {
    request.rawInputContents.reduce(0) { $0 + $1.count }
      + request.inputs.reduce(0) { $0 + ($1.hasContents ? payloadBytes(of: $1.contents) : 0) }
  }

  /// Bytes of typed tensor contents at their element sizes (BYTES elements with their 4-byte
  /// length prefixes, as raw contents carry them).
  public static func payloadBytes(of contents: Inference_InferTensorContents) -> Int {
    var total = contents.boolContents.count + 4 * (contents.intContents.count + contents.uintContents.count + contents.fp32Contents.count)
    total += 8 * (contents.int64Contents.count + contents.uint64Contents.count + contents.fp64Contents.count)
    return total + contents.bytesContents.reduce(0) { $0 + 4 + $1.count }
  }

  static func checkShape(
    _ input: Inference_ModelInferRequest.InferInputTensor,
    declared: Inference_ModelInput, batched: Bool, maxBatchSize: Int
  ) throws(InferenceError) -> [Int] {
    let expectedRank = declared.dims.count + (batched ? 1 : 0)
    let expected = (batched ? "[batch, " : "[") + declared.dims.map { $0 == -1 ? "-1" : String($0) }.joined(separator: ", ") + "]"
    guard input.shape.count == expectedRank else {
      throw .invalidRequest("input '\(input.name)' has shape \(input.shape) but the model expects \(expected)")
    }
    guard input.shape.allSatisfy({ $0 >= 0 && $0 <= Int64(Int32.max) }) else {
      throw .invalidRequest("input '\(input.name)' has a negative or oversized dimension in \(input.shape)")
    }
    if batched {
      guard input.shape[0] >= 1, input.shape[0] <= Int64(maxBatchSize) else {
        throw .invalidRequest("input '\(input.name)' has batch size \(input.shape[0]); this model takes 1 to \(maxBatchSize)")
      }
    }
    for (position, dim) in declared.dims.enumerated() where dim != -1 {
      guard input.shape[position + (batched ? 1 : 0)] == dim else {
        throw .invalidRequest("input '\(input.name)' has shape \(input.shape) but the model expects \(expected)")
      }
    }
    return input.shape.map { Int($0) }
  }

  static func elementCount(of shape: [Int], name: String, limits: RequestLimits) throws(InferenceError) -> Int {
    var count = 1
    for dim in shape {
      let (product, overflow) = count.multipliedReportingOverflow(by: dim)
      guard !overflow, product <= limits.maxElementsPerTensor else {
        throw .limitExceeded("input '\(name)' with shape \(shape) exceeds the limit of \(limits.maxElementsPerTensor) elements")
      }
      count = product
    }
    return count
  }

  static func checkRawSize(
    _ data: [UInt8], dataType: TensorDataType, elements: Int, name: String, limits: RequestLimits
  ) throws(InferenceError) {
    if let size = dataType.elementSize {
      let expected = elements * size  // cannot overflow: elements is bounded by the limit
      guard data.count == expected else {
        throw .invalidRequest("input '\(name)' has \(data.count) raw bytes; \(elements) \(dataType.rawValue) elements need \(expected)")
      }
    } else {
      _ = try BytesTensorCodec.decode(data, count: elements, maxElementLength: limits.maxBytesElementLength)
    }
  }
}
