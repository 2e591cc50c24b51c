import EdgeProto
import EdgeRuntime
import Foundation
import EdgeTestSupport
import Testing

struct ModelStoreTests {
  static let mlpConfig = """
    name: "tiny"
    backend: "mlp"
    max_batch_size: 4
    input [ { name: "x" data_type: TYPE_FP32 dims: [ 2 ] } ]
    output [ { name: "p" data_type: TYPE_FP32 dims: [ 2 ] }, { name: "c" data_type: TYPE_INT64 dims: [ 1 ] } ]
    """

  /// A repository with a hand-checkable model (one identity-like layer) and a broken one.
  static func repository() throws -> TemporaryDirectory {
    let folder = try TemporaryDirectory()
    try folder.write(mlpConfig, to: "tiny/config.pbtxt")
    try SafeTensorsWriter(entries: [
      .f32("layers.0.weight", shape: [2, 2], values: [1, 0, 0, 1]), .f32("layers.0.bias", shape: [2], values: [0, 0]),
    ]).write(to: "\(folder.path)/tiny/1/model.safetensors")
    try SafeTensorsWriter(entries: [
      .f32("layers.0.weight", shape: [2, 2], values: [2, 0, 0, 2]), .f32("layers.0.bias", shape: [2], values: [0, 1]),
    ]).write(to: "\(folder.path)/tiny/2/model.safetensors")
    try folder.write(mlpConfig.replacingOccurrences(of: "tiny", with: "broken"), to: "broken/config.pbtxt")
    try folder.write(bytes: [1, 2, 3], to: "broken/1/model.safetensors")
    try folder.write("not a model", to: "notes/README")
    return folder
  }

  /// A node with a separate executor maps no weights: it takes the configurations, checks
  /// requests as the backend would, and never runs a batch itself.
  @Test func withoutWeightsAStoreHoldsConfigurationsOnly() throws {
    let folder = try Self.repository()
    let store = ModelStore(repository: ModelRepository(root: folder.path), loadsWeights: false)
    let failures = store.loadAll()
    let tiny = try store.model(named: "tiny", version: "")
    #expect(tiny.version == 2)
    #expect(tiny.model.weightByteCount == 0)
    #expect(tiny.config.backend == "mlp")
    #expect(throws: InferenceError.self) { try tiny.model.run([], batchSize: 1) }
    // A broken weights file is the executor's to find; a missing one is refused here too.
    #expect(failures["broken"] == nil)
    try folder.write(Self.mlpConfig.replacingOccurrences(of: "tiny", with: "empty"), to: "empty/config.pbtxt")
    try FileManager.default.createDirectory(atPath: "\(folder.path)/empty/1", withIntermediateDirectories: true)
    #expect(throws: InferenceError.self) { try store.load("empty") }

    let bertConfig = try ModelConfigLoader.parse(
      """
      name: "texts"
      backend: "bert"
      max_batch_size: 4
      input [ { name: "text" data_type: TYPE_STRING dims: [ 1 ] } ]
      output [ { name: "embedding" data_type: TYPE_FP32 dims: [ 384 ] } ]
      """, modelName: "texts")
    let bert = try ConfiguredModel(config: bertConfig, model: "texts")
    let invalid: [UInt8] = [3, 0, 0, 0, 0xC3, 0x28, 0x41]
    #expect(throws: InferenceError.self) { try bert.check([Tensor(name: "text", dataType: .bytes, shape: [1, 1], data: invalid)], batchSize: 1) }
    let valid: [UInt8] = [2, 0, 0, 0] + Array("hi".utf8)
    try bert.check([Tensor(name: "text", dataType: .bytes, shape: [1, 1], data: valid)], batchSize: 1)
  }

  @Test func aBrokenModelIsReportedAndTheOthersServe() throws {
    let folder = try Self.repository()
    let store = ModelStore(repository: ModelRepository(root: folder.path))
    let failures = store.loadAll()
    #expect(Array(failures.keys) == ["broken"])
    #expect(store.state(of: "tiny") == .ready([2]))
    guard case .unavailable(let reason)? = store.state(of: "broken") else {
      Issue.record("broken should be unavailable")
      return
    }
    #expect(reason.contains("malformed"))
    #expect(store.states().map(\.name) == ["broken", "tiny"])
  }

  /// Versions loaded and unloaded by number, the others serving throughout.
  @Test func oneVersionAtATime() throws {
    let folder = try Self.repository()
    let store = ModelStore(repository: ModelRepository(root: folder.path))
    store.loadAll()
    // Version 1 is outside the default policy (the latest only), but an operator may ask for it.
    try store.load("tiny", version: 1)
    #expect(store.state(of: "tiny") == .ready([1, 2]))
    #expect(try store.model(named: "tiny", version: "1").version == 1)
    try store.unload("tiny", version: 2)
    #expect(store.state(of: "tiny") == .ready([1]))
    #expect(try store.model(named: "tiny", version: "").version == 1)
    #expect(throws: InferenceError.versionNotFound(model: "tiny", version: "2")) { try store.model(named: "tiny", version: "2") }
    #expect(throws: InferenceError.versionNotFound(model: "tiny", version: "2")) { try store.unload("tiny", version: 2) }
    #expect(throws: InferenceError.versionNotFound(model: "tiny", version: "7")) { try store.load("tiny", version: 7) }
    #expect(throws: InferenceError.modelNotFound("nope")) { try store.unload("nope", version: 1) }
    try store.unload("tiny", version: 1)
    #expect(store.state(of: "tiny") == .unavailable(reason: "unloaded"))
    // Loading one version of an unloaded model serves that version alone.
    try store.load("tiny", version: 2)
    #expect(store.state(of: "tiny") == .ready([2]))
  }

  @Test func theLatestVersionServesByDefaultAndVersionsCanBeAsked() throws {
    let folder = try Self.repository()
    let store = ModelStore(repository: ModelRepository(root: folder.path))
    store.loadAll()
    #expect(try store.model(named: "tiny", version: "").version == 2)
    #expect(try store.model(named: "tiny", version: "2").version == 2)
    #expect(throws: InferenceError.versionNotFound(model: "tiny", version: "1")) { try store.model(named: "tiny", version: "1") }
    #expect(throws: InferenceError.modelNotFound("nope")) { try store.model(named: "nope", version: "") }
    #expect(throws: InferenceError.modelNotReady("broken")) { try store.model(named: "broken", version: "") }
  }

  @Test func versionPolicyAllServesEveryVersion() throws {
    let folder = try Self.repository()
    try folder.write(Self.mlpConfig + "\nversion_policy { all { } }", to: "tiny/config.pbtxt")
    let store = ModelStore(repository: ModelRepository(root: folder.path))
    try store.load("tiny")
    #expect(store.state(of: "tiny") == .ready([1, 2]))
    let one = try store.model(named: "tiny", version: "1")
    let outputs = try one.model.run([Tensor(name: "x", shape: [1, 2], floats: [3, 1])], batchSize: 1)
    #expect(outputs.tensors[1].int64s() == [0])
  }

  @Test func unloadTakesAModelOutOfService() throws {
    let folder = try Self.repository()
    let store = ModelStore(repository: ModelRepository(root: folder.path))
    store.loadAll()
    try store.unload("tiny")
    #expect(throws: InferenceError.modelNotReady("tiny")) { try store.model(named: "tiny", version: "") }
    try store.load("tiny")
    #expect(try store.model(named: "tiny", version: "").version == 2)
    #expect(throws: InferenceError.modelNotFound("ghost")) { try store.unload("ghost") }
  }

  @Test func unsafeModelNamesNeverReachTheFileSystem() {
    for name in ["..", "../etc", "a/b", "", String(repeating: "x", count: 300)] {
      #expect(!ModelRepository.isSafeName(name))
      #expect(!ModelRepository(root: "/").contains(name))
    }
  }

  @Test func theMLPComputesSoftmaxOfTheAffineMap() throws {
    let folder = try Self.repository()
    let store = ModelStore(repository: ModelRepository(root: folder.path))
    store.loadAll()
    let model = try store.model(named: "tiny", version: "2")
    // Version 2: logits = 2x + (0, 1).
    let outputs = try model.model.run([Tensor(name: "x", shape: [2, 2], floats: [1, 1, 0.5, 0])], batchSize: 2)
    let probabilities = outputs.tensors[0].floats()
    func softmax(_ a: Float, _ b: Float) -> [Float] {
      let m = max(a, b)
      let ea = expf(a - m), eb = expf(b - m)
      return [ea / (ea + eb), eb / (ea + eb)]
    }
    let expected = softmax(2, 3) + softmax(1, 1)
    for (got, want) in zip(probabilities, expected) { #expect(abs(got - want) < 1e-6) }
    #expect(outputs.tensors[1].int64s() == [1, 0])
    #expect(outputs.tensors[1].shape == [2, 1])
  }

  @Test func weightsThatDoNotMatchTheConfigAreRefused() throws {
    let folder = try TemporaryDirectory()
    try folder.write(Self.mlpConfig.replacingOccurrences(of: "dims: [ 2 ] } ]\noutput", with: "dims: [ 3 ] } ]\noutput"), to: "tiny/config.pbtxt")
    try SafeTensorsWriter(entries: [
      .f32("layers.0.weight", shape: [2, 2], values: [1, 0, 0, 1]), .f32("layers.0.bias", shape: [2], values: [0, 0]),
    ]).write(to: "\(folder.path)/tiny/1/model.safetensors")
    let store = ModelStore(repository: ModelRepository(root: folder.path))
    #expect(throws: InferenceError.self) { try store.load("tiny") }
  }

  /// The committed model classifies its held-out test split as well as when it was trained.
  @Test func digitsAccuracyOnTheTestSplit() throws {
    let store = ModelStore(repository: ModelRepository(root: ProjectPaths.models))
    try store.load("digits")
    let model = try store.model(named: "digits", version: "")
    let data = try #require(FileManager.default.contents(atPath: "\(ProjectPaths.models)/digits/test_split.json"))
    let split = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let inputs = try #require(split["inputs"] as? [[Double]])
    let labels = try #require(split["labels"] as? [Int])
    let trained = try #require(split["accuracy"] as? Double)
    let outputs = try model.model.run(
      [Tensor(name: "pixels", shape: [inputs.count, 64], floats: inputs.flatMap { $0.map(Float.init) })], batchSize: inputs.count)
    let predictions = outputs.tensors[1].int64s()
    let accuracy = Double(zip(predictions, labels).filter { Int($0) == $1 }.count) / Double(labels.count)
    #expect(accuracy > 0.95)
    #expect(abs(accuracy - trained) < 0.003)
  }
}
