public import EdgeProto
import Foundation

/// One version of a model, loaded and ready to execute.
public struct LoadedModel: Sendable {
  public var name: String
  public var version: Int
  public var config: Inference_ModelConfig
  public var model: any InferenceModel
  /// Which load of the store produced it: a reload of the same version is a new generation, so
  /// its requests are never batched with the old one's.
  public var generation: UInt64 = 0

  /// Loads a version from the repository: maps its weights and builds its backend.
  public static func load(
    _ name: String, version: Int, config: Inference_ModelConfig, repository: ModelRepository
  ) throws(InferenceError) -> LoadedModel {
    let path = repository.modelFilePath(of: name, version: version, config: config)
    let file: SafeTensorsFile
    do {
      file = try SafeTensorsFile(path: path)
    } catch {
      throw .modelLoadFailed(model: name, reason: error.description)
    }
    switch config.backend {
    case "mlp":
      return LoadedModel(name: name, version: version, config: config, model: try MLPModel(file: file, config: config))
    case "bert":
      let directory = (path as NSString).deletingLastPathComponent
      return LoadedModel(
        name: name, version: version, config: config, model: try BertModel(file: file, directory: directory, config: config))
    default:
      throw .modelLoadFailed(model: name, reason: "backend '\(config.backend)' is not supported")
    }
  }
}
