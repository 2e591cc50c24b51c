import EdgeRuntime
import EdgeTestSupport
import Foundation
import Testing

/// `edgeinfer quantize` on the committed digits model: each scheme writes a servable version that
/// keeps the model's accuracy.
struct ModelQuantizerTests {
  static func copyOfDigits() throws -> TemporaryDirectory {
    let folder = try TemporaryDirectory()
    try FileManager.default.copyItem(atPath: "\(ProjectPaths.models)/digits", toPath: "\(folder.path)/digits")
    return folder
  }

  @Test(arguments: [(QuantizationScheme.w8a8, 0.005), (.w8, 0.005), (.q4, 0.02)])
  func quantizedVersionsServeWithTheirAccuracy(_ scheme: QuantizationScheme, _ allowedLoss: Double) throws {
    let folder = try Self.copyOfDigits()
    let repository = ModelRepository(root: folder.path)
    let result = try ModelQuantizer(repository: repository).quantize(model: "digits", scheme: scheme)
    #expect(result.sourceVersion == 1)
    #expect(result.version == 2)
    #expect(result.bytes * 3 < result.sourceBytes)
    let store = ModelStore(repository: repository)
    try store.load("digits")
    let served = try store.model(named: "digits", version: "")
    #expect(served.version == 2)
    #expect((served.model as? MLPModel)?.scheme == scheme)
    let split = try TestSplit(contentsOf: "\(folder.path)/digits/test_split.json")
    let original = try LoadedModel.load("digits", version: 1, config: served.config, repository: repository)
    let before = try split.accuracy(of: original)
    let after = try split.accuracy(of: served)
    #expect(after >= before - allowedLoss, "\(scheme): \(before) → \(after)")
  }

  @Test func refusesAnExistingVersionAndQuantizedSources() throws {
    let folder = try Self.copyOfDigits()
    let quantizer = ModelQuantizer(repository: ModelRepository(root: folder.path))
    #expect(throws: (any Error).self) { try quantizer.quantize(model: "digits", scheme: .w8, version: 1) }
    _ = try quantizer.quantize(model: "digits", scheme: .w8)
    #expect(throws: (any Error).self) { try quantizer.quantize(model: "digits", scheme: .q4, from: 2) }
    // The latest fp32 version is still found behind the quantized one.
    #expect(try quantizer.quantize(model: "digits", scheme: .q4).sourceVersion == 1)
  }
}
