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

  /// Loads a version from the repository: maps its weights and builds its backend. Without
  /// `weights` (a node whose batches run in a separate executor) only the configuration is
  /// taken: requests are checked as the backend checks them, and the executor runs them.
  public static func load(
    _ name: String, version: Int, config: Inference_ModelConfig, repository: ModelRepository, weights: Bool = true
  ) throws(InferenceError) -> LoadedModel {
    let path = repository.modelFilePath(of: name, version: version, config: config)
    if !weights {
      guard FileManager.default.fileExists(atPath: path) else {
        throw .modelLoadFailed(model: name, reason: "no model file at \(path)")
      }
      return LoadedModel(name: name, version: version, config: config, model: try ConfiguredModel(config: config, model: name))
    }
    let file: SafeTensorsFile
    do {
      file = try SafeTensorsFile(path: path)
    } catch {
      throw .modelLoadFailed(model: name, reason: error.description)
    }
    let threads = try threads(of: name, config: config)
    switch config.backend {
    case "mlp":
      var mlp = try MLPModel(file: file, config: config)
      mlp.threads = threads
      return LoadedModel(name: name, version: version, config: config, model: mlp)
    case "bert":
      let directory = (path as NSString).deletingLastPathComponent
      var bert = try BertModel(file: file, directory: directory, config: config)
      bert.threads = threads
      return LoadedModel(name: name, version: version, config: config, model: bert)
    default:
      throw .modelLoadFailed(model: name, reason: "backend '\(config.backend)' is not supported")
    }
  }

  /// Cores one batch may use (the `threads` parameter, 1 to 64; 1 by default). Work too small to
  /// share stays on one thread, so more threads help large batches, not single requests.
  static func threads(of name: String, config: Inference_ModelConfig) throws(InferenceError) -> Int {
    guard let text = config.parameters["threads"]?.stringValue else { return 1 }
    guard let threads = Int(text), (1...64).contains(threads) else {
      throw .modelLoadFailed(model: name, reason: "parameter threads must be an integer from 1 to 64, is '\(text)'")
    }
    return threads
  }
}
