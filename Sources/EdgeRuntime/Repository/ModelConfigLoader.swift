import Foundation
public import EdgeProto
import SwiftProtobuf

/// Reads and checks `config.pbtxt` (protobuf text format, Triton's names) before a model loads,
/// so a wrong configuration is refused with a reason instead of failing requests later.
public enum ModelConfigLoader {
  /// Backends this runtime can execute.
  public static let supportedBackends: Set<String> = ["mlp", "bert"]

  public static func load(contentsOf path: String, modelName: String) throws(InferenceError) -> Inference_ModelConfig {
    let text: String
    do {
      text = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
      throw .modelLoadFailed(model: modelName, reason: "cannot read \(path)")
    }
    return try parse(text, modelName: modelName)
  }

  public static func parse(_ text: String, modelName: String) throws(InferenceError) -> Inference_ModelConfig {
    var config: Inference_ModelConfig
    do {
      config = try Inference_ModelConfig(textFormatString: text)
    } catch {
      throw .modelLoadFailed(model: modelName, reason: "config.pbtxt is not a valid model configuration: \(error)")
    }
    if config.name.isEmpty { config.name = modelName }
    try validate(config, modelName: modelName)
    return config
  }

  static func validate(_ config: Inference_ModelConfig, modelName: String) throws(InferenceError) {
    func fail(_ reason: String) -> InferenceError { .modelLoadFailed(model: modelName, reason: reason) }
    guard config.name == modelName else {
      throw fail("config.pbtxt names the model '\(config.name)' but its folder is '\(modelName)'")
    }
    guard supportedBackends.contains(config.backend) else {
      throw fail("backend '\(config.backend)' is not supported (supported: \(supportedBackends.sorted().joined(separator: ", ")))")
    }
    guard config.maxBatchSize >= 0 else { throw fail("max_batch_size must not be negative") }
    guard !config.input.isEmpty else { throw fail("the configuration declares no input") }
    guard !config.output.isEmpty else { throw fail("the configuration declares no output") }
    var seen = Set<String>()
    for tensor in config.input.map({ ($0.name, $0.dataType, $0.dims) }) + config.output.map({ ($0.name, $0.dataType, $0.dims) }) {
      guard !tensor.0.isEmpty else { throw fail("a tensor has no name") }
      guard seen.insert(tensor.0).inserted else { throw fail("tensor name '\(tensor.0)' is used twice") }
      guard TensorDataType(tensor.1) != nil else { throw fail("tensor '\(tensor.0)' has no valid data_type") }
      guard tensor.2.allSatisfy({ $0 > 0 || $0 == -1 }) else {
        throw fail("tensor '\(tensor.0)' dims must be positive or -1, got \(tensor.2)")
      }
    }
    if case .dynamicBatching(let batching) = config.schedulingChoice {
      guard batching.preferredBatchSize.allSatisfy({ $0 > 0 && $0 <= max(config.maxBatchSize, 1) }) else {
        throw fail("preferred_batch_size must lie in 1...max_batch_size")
      }
    }
  }
}
