import Foundation
import EdgeProto

/// Writes a new version of a model with its weights in another quantization scheme: the linear
/// layers' weights of the source version (fp32) are quantized (`layers.N.weight` for an MLP,
/// the six per encoder layer for BERT), every other tensor and every other file of the version
/// folder (a BERT vocabulary) copied.
public struct ModelQuantizer {
  public let repository: ModelRepository

  public init(repository: ModelRepository) {
    self.repository = repository
  }

  public struct Result: Sendable {
    public var sourceVersion: Int
    public var version: Int
    public var sourceBytes: Int
    public var bytes: Int
    public var path: String
  }

  /// Quantizes the latest fp32 version (or `from`) into `version` (default: one past the latest).
  /// Linear layers named in `keepingFullPrecision` (`encoder.layer.5.output.dense`) stay fp32:
  /// the few a model's accuracy is most sensitive to.
  public func quantize(
    model: String, scheme: QuantizationScheme, version: Int? = nil, from source: Int? = nil,
    keepingFullPrecision kept: Set<String> = []
  ) throws -> Result {
    let config = try repository.configuration(of: model)
    let available = repository.availableVersions(of: model, config: config)
    let latestF32 = available.reversed().first { candidate in
      let file = try? SafeTensorsFile(path: repository.modelFilePath(of: model, version: candidate, config: config))
      return file.map { ($0.metadata[QuantizationScheme.metadataKey] ?? "f32") == "f32" } ?? false
    }
    guard let sourceVersion = source ?? latestF32, available.contains(sourceVersion) else {
      throw InferenceError.modelLoadFailed(model: model, reason: "no fp32 version to quantize from")
    }
    let target = version ?? (available.last! + 1)
    guard target > 0, !available.contains(target) else {
      throw InferenceError.modelLoadFailed(model: model, reason: "version \(target) already exists")
    }
    let sourcePath = repository.modelFilePath(of: model, version: sourceVersion, config: config)
    let file = try SafeTensorsFile(path: sourcePath)
    let sourceScheme = file.metadata[QuantizationScheme.metadataKey] ?? "f32"
    guard sourceScheme == "f32" else {
      throw InferenceError.modelLoadFailed(model: model, reason: "version \(sourceVersion) is already \(sourceScheme); quantize from an f32 version")
    }
    let isLinearWeight: (String) -> Bool
    switch config.backend {
    case "bert":
      guard BertModel.runnableSchemes.contains(scheme) else {
        throw InferenceError.modelLoadFailed(
          model: model, reason: "the bert backend runs \(BertModel.runnableSchemes.map(\.rawValue).sorted().joined(separator: ", ")), not \(scheme.rawValue)")
      }
      isLinearWeight = BertModel.isLinearWeight
    default:
      isLinearWeight = MLPModel.isLinearWeight
    }
    let linear = Set(file.tensors.keys.filter(isLinearWeight).map { String($0.dropLast(".weight".count)) })
    if let unknown = kept.subtracting(linear).sorted().first {
      throw InferenceError.modelLoadFailed(model: model, reason: "'\(unknown)' is not one of its linear layers")
    }
    // W8A8 BERT: calibrate the smoothing of the attention's and the feed-forward's inputs on the
    // fp32 version (BertSmoothing).
    var columnFactors: [String: [Float]] = [:]
    var added: [SafeTensorsWriter.Entry] = []
    if config.backend == "bert", scheme == .w8a8 {
      let source = try LoadedModel.load(model, version: sourceVersion, config: config, repository: repository)
      guard let bert = source.model as? BertModel else { throw InferenceError.modelLoadFailed(model: model, reason: "not a bert model") }
      for input in try BertSmoothing.calibrate(bert, file: file, sentences: CalibrationSentences.all) {
        for (layer, factors) in input.factors.enumerated() {
          for reader in input.readers { columnFactors["encoder.layer.\(layer).\(reader).weight"] = factors }
          added.append(.f32("encoder.layer.\(layer).\(input.suffix)", shape: [factors.count], values: factors.map { 1 / $0 }))
        }
      }
    }
    var writer = SafeTensorsWriter(metadata: file.metadata)
    writer.metadata[QuantizationScheme.metadataKey] = scheme.rawValue
    for name in file.tensors.keys.sorted() {
      let info = file.tensors[name]!
      if isLinearWeight(name), info.dtype == "F32", info.shape.count == 2 {
        var weights = Array(try file.floats(of: name))
        if let factors = columnFactors[name] {
          for index in weights.indices { weights[index] *= factors[index % factors.count] }
        }
        if kept.contains(String(name.dropLast(".weight".count))) {
          writer.entries.append(.f32(name, shape: info.shape, values: weights))
          continue
        }
        let quantized = QuantizedWeights(weights, rows: info.shape[0], columns: info.shape[1], scheme: scheme)
        writer.entries.append(.init(name: name, dtype: quantized.weightDType, shape: quantized.weightShape, bytes: quantized.weightBytes))
        if !quantized.scales.isEmpty {
          writer.entries.append(.f32(name + "_scale", shape: quantized.scaleShape, values: quantized.scales))
        }
      } else {
        writer.entries.append(.init(name: name, dtype: info.dtype, shape: info.shape, bytes: Array(try file.bytes(of: name))))
      }
    }
    writer.entries += added
    let path = repository.modelFilePath(of: model, version: target, config: config)
    try writer.write(to: path)
    let sourceFolder = (sourcePath as NSString).deletingLastPathComponent
    let targetFolder = (path as NSString).deletingLastPathComponent
    for entry in try FileManager.default.contentsOfDirectory(atPath: sourceFolder).sorted()
    where entry != (sourcePath as NSString).lastPathComponent {
      var isFolder: ObjCBool = false
      guard FileManager.default.fileExists(atPath: "\(sourceFolder)/\(entry)", isDirectory: &isFolder), !isFolder.boolValue else { continue }
      try? FileManager.default.removeItem(atPath: "\(targetFolder)/\(entry)")
      try FileManager.default.copyItem(atPath: "\(sourceFolder)/\(entry)", toPath: "\(targetFolder)/\(entry)")
    }
    let size = { (path: String) in ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? Int) ?? 0 }
    return Result(sourceVersion: sourceVersion, version: target, sourceBytes: size(sourcePath), bytes: size(path), path: path)
  }
}
