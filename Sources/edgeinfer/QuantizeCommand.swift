import ArgumentParser
import EdgeRuntime
import Foundation

struct QuantizeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "quantize",
    abstract: "Write a new version of a model with quantized weights; nodes serve it like any version.")

  @Argument(help: "The model's folder in a repository (models/digits).") var modelDirectory: String
  @Option(help: "w8a8 (int8 weights and activations), w8 (int8 weights), q4 (int4 weights), or f32.") var scheme: String
  @Option(help: "The new version's number (default: one past the latest).") var version: Int?
  @Option(help: "Linear layers to keep in fp32, comma-separated (encoder.layer.5.output.dense): the few accuracy is most sensitive to.")
  var keepFp32: String?

  func run() throws {
    guard let scheme = QuantizationScheme(rawValue: scheme) else {
      throw ValidationError("--scheme must be one of \(QuantizationScheme.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    let folder = URL(fileURLWithPath: modelDirectory).standardizedFileURL
    let repository = ModelRepository(root: folder.deletingLastPathComponent().path)
    let model = folder.lastPathComponent
    let result = try ModelQuantizer(repository: repository).quantize(
      model: model, scheme: scheme, version: version,
      keepingFullPrecision: Set((keepFp32 ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }))
    print("\(model): version \(result.sourceVersion) → version \(result.version) (\(scheme.rawValue)) at \(result.path)")
    print(String(format: "size: %d → %d bytes (%.2fx smaller)", result.sourceBytes, result.bytes, Double(result.sourceBytes) / Double(max(result.bytes, 1))))
    let splitPath = folder.appendingPathComponent("test_split.json").path
    if FileManager.default.fileExists(atPath: splitPath) {
      let split = try TestSplit(contentsOf: splitPath)
      let config = try repository.configuration(of: model)
      let before = try LoadedModel.load(model, version: result.sourceVersion, config: config, repository: repository)
      let after = try LoadedModel.load(model, version: result.version, config: config, repository: repository)
      print(String(format: "accuracy on %d test rows: %.2f%% → %.2f%%", split.labels.count, try split.accuracy(of: before) * 100, try split.accuracy(of: after) * 100))
    }
  }
}
