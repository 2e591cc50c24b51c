public import EdgeProto
public import EdgeRuntime
import Foundation
import SwiftProtobuf

/// Batches and their outputs on the Executor service's wire, both ways.
public enum ExecutorWire {
  public static func request(model: LoadedModel, inputs: [Tensor], batchSize: Int) -> Edgeinfer_V1_ExecuteBatchRequest {
    var request = Edgeinfer_V1_ExecuteBatchRequest()
    request.modelName = model.name
    request.modelVersion = String(model.version)
    request.batchSize = UInt32(clamping: batchSize)
    request.inputs = inputs.map(tensor)
    return request
  }

  /// The batch as an inference request, so the executor validates it with the node's rules.
  package static func inferRequest(_ batch: Edgeinfer_V1_ExecuteBatchRequest) -> Inference_ModelInferRequest {
    var request = Inference_ModelInferRequest()
    request.modelName = batch.modelName
    request.modelVersion = batch.modelVersion
    for input in batch.inputs {
      request.inputs.append(.with { $0.name = input.name; $0.datatype = input.datatype; $0.shape = input.shape })
      request.rawInputContents.append(input.data)
    }
    request.outputs = batch.outputs.map { name in .with { $0.name = name } }
    return request
  }

  package static func response(_ output: ModelOutput, names: [String], computeNanoseconds: UInt64) -> Edgeinfer_V1_ExecuteBatchResponse {
    var response = Edgeinfer_V1_ExecuteBatchResponse()
    response.outputs = output.tensors.filter { names.contains($0.name) }.map(tensor)
    response.computeNs = computeNanoseconds
    response.truncatedRows = output.truncatedRows.map { UInt32(clamping: $0) }
    return response
  }

  public static func output(_ response: Edgeinfer_V1_ExecuteBatchResponse) throws(InferenceError) -> ModelOutput {
    var tensors: [Tensor] = []
    for output in response.outputs {
      guard let dataType = TensorDataType(rawValue: output.datatype), output.shape.allSatisfy({ $0 >= 0 && $0 <= Int32.max }) else {
        throw .executionFailed("the executor answered output '\(output.name)' as \(output.datatype) \(output.shape)")
      }
      tensors.append(Tensor(name: output.name, dataType: dataType, shape: output.shape.map { Int($0) }, data: Array(output.data)))
    }
    return ModelOutput(tensors: tensors, truncatedRows: response.truncatedRows.map(Int.init))
  }

  package static func tensor(_ tensor: Tensor) -> Edgeinfer_V1_Tensor {
    var wire = Edgeinfer_V1_Tensor()
    wire.name = tensor.name
    wire.datatype = tensor.dataType.rawValue
    wire.shape = tensor.shape.map(Int64.init)
    wire.data = Data(tensor.data)
    return wire
  }
}
