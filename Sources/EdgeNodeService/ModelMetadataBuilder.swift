public import EdgeProto
import EdgeRuntime
import SwiftProtobuf
import EdgeServer

/// ModelMetadata from a model's configuration: batched models get a leading -1 dimension.
public enum ModelMetadataBuilder {
  public static func metadata(config: Inference_ModelConfig, versions: [Int]) -> Inference_ModelMetadataResponse {
    let batchPrefix: [Int64] = config.maxBatchSize > 0 ? [-1] : []
    return .with {
      $0.name = config.name
      $0.versions = versions.map(String.init)
      $0.platform = config.platform.isEmpty ? "edgeinfer_\(config.backend)" : config.platform
      $0.inputs = config.input.map { input in
        .with {
          $0.name = input.name
          $0.datatype = TensorDataType(input.dataType)?.rawValue ?? "INVALID"
          $0.shape = batchPrefix + input.dims
        }
      }
      $0.outputs = config.output.map { output in
        .with {
          $0.name = output.name
          $0.datatype = TensorDataType(output.dataType)?.rawValue ?? "INVALID"
          $0.shape = batchPrefix + output.dims
        }
      }
    }
  }
}
