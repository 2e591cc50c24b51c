public import EdgeProto
import Foundation
import SwiftProtobuf

/// The Open Inference Protocol's HTTP body for infer, as Triton serves it, to and from the gRPC
/// binding's messages: a JSON header (`inputs`, `outputs`, `parameters`, `id`) followed, with
/// Triton's binary tensor data extension, by the tensors' raw bytes (`Inference-Header-Content-Length`
/// gives the header's length; `binary_data_size` each input's share). Every input travels on as
/// `raw_input_contents`, so the router's data plane and the node see the request exactly as a
/// gRPC client would have sent it.
package enum RESTInferCodec {
  /// The request, from the body and the header length (nil: the body is all JSON).
  package static func request(
    model: String, version: String, body: [UInt8], headerLength: Int?
  ) throws(RESTError) -> (request: Inference_ModelInferRequest, binaryOutputs: BinaryOutputs) {
    let jsonLength = headerLength ?? body.count
    guard jsonLength >= 0, jsonLength <= body.count else {
      throw .badRequest("Inference-Header-Content-Length \(jsonLength) is beyond the body's \(body.count) bytes")
    }
    let header: [String: RESTJSONValue]
    do {
      header = try JSONDecoder().decode([String: RESTJSONValue].self, from: Data(body[0..<jsonLength]))
    } catch {
      throw .badRequest("the request's JSON header is not a JSON object of the protocol's fields")
    }
    var request = Inference_ModelInferRequest()
    request.modelName = model
    request.modelVersion = version
    if let id = header["id"] {
      guard let id = id.string else { throw .badRequest("'id' must be a string") }
      request.id = id
    }
    var parameters = try Self.parameters(header["parameters"], of: "the request")
    let allBinary = parameters.removeValue(forKey: "binary_data_output")?.boolParam ?? false
    request.parameters = parameters
    guard let inputs = header["inputs"]?.array?.compactMap(\.object), inputs.count == header["inputs"]?.array?.count, !inputs.isEmpty
    else {
      throw .badRequest("'inputs' must be a non-empty array of tensors")
    }
    var offset = jsonLength
    for input in inputs {
      guard let name = input["name"]?.string else { throw .badRequest("every input needs a 'name'") }
      guard let datatype = input["datatype"]?.string else { throw .badRequest("input '\(name)' needs a 'datatype'") }
      guard let shape = input["shape"]?.array, let dims = Self.shape(shape) else {
        throw .badRequest("input '\(name)' needs a 'shape' of non-negative integers")
      }
      var tensor = Inference_ModelInferRequest.InferInputTensor()
      tensor.name = name
      tensor.datatype = datatype
      tensor.shape = dims
      var tensorParameters = try Self.parameters(input["parameters"], of: "input '\(name)'")
      let raw: Data
      if let size = tensorParameters.removeValue(forKey: "binary_data_size") {
        // Compared with what is left, not added to the offset: a client's size near Int64.max
        // must be a refusal, not an overflow.
        guard case .int64Param(let count)? = size.parameterChoice, count >= 0, count <= body.count - offset else {
          throw .badRequest("input '\(name)': binary_data_size is not a size within the body")
        }
        raw = Data(body[offset..<offset + Int(count)])
        offset += Int(count)
      } else if let data = input["data"] {
        raw = Data(try RESTTensorData.raw(data, datatype: datatype, tensor: name))
      } else {
        throw .badRequest("input '\(name)' has neither 'data' nor binary_data_size")
      }
      tensor.parameters = tensorParameters
      request.inputs.append(tensor)
      request.rawInputContents.append(raw)
    }
    guard offset == body.count else {
      throw .badRequest("the body holds \(body.count - offset) bytes beyond its JSON header and binary inputs")
    }
    var binary = BinaryOutputs(all: allBinary)
    if let outputs = header["outputs"] {
      guard let list = outputs.array else { throw .badRequest("'outputs' must be an array of objects") }
      for value in list {
        guard let output = value.object else { throw .badRequest("'outputs' must be an array of objects") }
        guard let name = output["name"]?.string else { throw .badRequest("every requested output needs a 'name'") }
        var outputParameters = try Self.parameters(output["parameters"], of: "output '\(name)'")
        if outputParameters.removeValue(forKey: "binary_data")?.boolParam == true { binary.names.insert(name) }
        var requested = Inference_ModelInferRequest.InferRequestedOutputTensor()
        requested.name = name
        requested.parameters = outputParameters
        request.outputs.append(requested)
      }
    }
    return (request, binary)
  }

  /// Which outputs go back as raw bytes after the JSON header rather than in it.
  package struct BinaryOutputs: Sendable {
    var all: Bool
    var names: Set<String> = []

    func contains(_ name: String) -> Bool { all || names.contains(name) }
  }

  /// The answer's body and, when any output is binary, the JSON header's length (the value of
  /// `Inference-Header-Content-Length`).
  package static func response(
    _ response: Inference_ModelInferResponse, binary: BinaryOutputs
  ) throws(RESTError) -> (body: [UInt8], headerLength: Int?) {
    var outputs: [[String: Any]] = []
    var tail: [UInt8] = []
    for (index, output) in response.outputs.enumerated() {
      var entry: [String: Any] = ["name": output.name, "datatype": output.datatype, "shape": output.shape.map { Int($0) }]
      let raw = index < response.rawOutputContents.count ? response.rawOutputContents[index] : Data()
      if binary.contains(output.name) {
        entry["parameters"] = ["binary_data_size": raw.count]
        tail.append(contentsOf: raw)
      } else {
        guard let data = RESTTensorData.json(raw, datatype: output.datatype) else {
          throw RESTError(status: 500, message: "output '\(output.name)' cannot be written as JSON \(output.datatype)")
        }
        entry["data"] = data
      }
      outputs.append(entry)
    }
    var object: [String: Any] = ["model_name": response.modelName, "model_version": response.modelVersion, "outputs": outputs]
    if !response.id.isEmpty { object["id"] = response.id }
    if !response.parameters.isEmpty { object["parameters"] = response.parameters.mapValues(Self.json) }
    let header = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    return (Array(header) + tail, tail.isEmpty ? nil : header.count)
  }

  private static func shape(_ values: [RESTJSONValue]) -> [Int64]? {
    var dims: [Int64] = []
    for value in values {
      guard case .integer(let dim) = value, dim >= 0 else { return nil }
      dims.append(dim)
    }
    return dims
  }

  private static func parameters(_ value: RESTJSONValue?, of owner: String) throws(RESTError) -> [String: Inference_InferParameter] {
    guard let value else { return [:] }
    guard let object = value.object else { throw .badRequest("the parameters of \(owner) must be an object") }
    var parameters: [String: Inference_InferParameter] = [:]
    for (key, value) in object {
      var parameter = Inference_InferParameter()
      switch value {
      case .string(let text): parameter.stringParam = text
      case .bool(let flag): parameter.boolParam = flag
      case .integer(let integer): parameter.int64Param = integer
      case .unsigned(let integer): parameter.uint64Param = integer
      case .number(let number): parameter.doubleParam = number
      default: throw .badRequest("parameter '\(key)' of \(owner) must be a string, number or boolean")
      }
      parameters[key] = parameter
    }
    return parameters
  }

  private static func json(_ parameter: Inference_InferParameter) -> Any {
    switch parameter.parameterChoice {
    case .boolParam(let value): value
    case .int64Param(let value): value
    case .stringParam(let value): value
    case .doubleParam(let value): value
    case .uint64Param(let value): value
    case nil: NSNull()
    }
  }
}
