import Foundation
public import EdgeProto

/// A model repository folder in Triton's layout:
///
///     <root>/<model>/config.pbtxt
///     <root>/<model>/<version>/model.safetensors
///
/// Versions are positive integers; the served versions follow the config's version policy
/// (the latest one by default).
public struct ModelRepository: Sendable {
  public let root: String

  public init(root: String) {
    self.root = root
  }

  public static let defaultModelFilename = "model.safetensors"

  /// Model names: folders that hold a config.pbtxt, sorted.
  public func modelNames() throws(InferenceError) -> [String] {
    let entries: [String]
    do {
      entries = try FileManager.default.contentsOfDirectory(atPath: root)
    } catch {
      throw .unavailable("model repository \(root) cannot be read")
    }
    return entries.filter { FileManager.default.fileExists(atPath: configPath(of: $0)) }.sorted()
  }

  public func contains(_ model: String) -> Bool {
    Self.isSafeName(model) && FileManager.default.fileExists(atPath: configPath(of: model))
  }

  public func configPath(of model: String) -> String {
    "\(root)/\(model)/config.pbtxt"
  }

  public func configuration(of model: String) throws(InferenceError) -> Inference_ModelConfig {
    guard contains(model) else { throw .modelNotFound(model) }
    return try ModelConfigLoader.load(contentsOf: configPath(of: model), modelName: model)
  }

  /// Every version folder that holds the model file, ascending.
  public func availableVersions(of model: String, config: Inference_ModelConfig) -> [Int] {
    let filename = config.defaultModelFilename.isEmpty ? Self.defaultModelFilename : config.defaultModelFilename
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(model)")) ?? []
    return entries.compactMap { entry -> Int? in
      guard let version = Int(entry), version > 0, String(version) == entry else { return nil }
      return FileManager.default.fileExists(atPath: "\(root)/\(model)/\(entry)/\(filename)") ? version : nil
    }.sorted()
  }

  /// The versions to serve under the config's version policy.
  public func servedVersions(of model: String, config: Inference_ModelConfig) -> [Int] {
    let available = availableVersions(of: model, config: config)
    switch config.versionPolicy.policyChoice {
    case .all: return available
    case .specific(let specific): return available.filter { specific.versions.contains(Int64($0)) }
    case .latest(let latest): return Array(available.suffix(max(Int(latest.numVersions), 1)))
    case nil: return Array(available.suffix(1))
    }
  }

  public func modelFilePath(of model: String, version: Int, config: Inference_ModelConfig) -> String {
    let filename = config.defaultModelFilename.isEmpty ? Self.defaultModelFilename : config.defaultModelFilename
    return "\(root)/\(model)/\(version)/\(filename)"
  }

  /// Model names come from requests: refuse anything that could leave the repository folder.
  public static func isSafeName(_ name: String) -> Bool {
    !name.isEmpty && name.count <= 128 && name != "." && name != ".."
      && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }
  }
}
