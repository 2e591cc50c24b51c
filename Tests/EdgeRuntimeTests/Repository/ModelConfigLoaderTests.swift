import EdgeProto
import EdgeRuntime
import Foundation
import EdgeTestSupport
import Testing

struct ModelConfigLoaderTests {
  static let valid = """
    name: "m"
    backend: "mlp"
    max_batch_size: 8
    input [ { name: "x" data_type: TYPE_FP32 dims: [ 4 ] } ]
    output [ { name: "y" data_type: TYPE_FP32 dims: [ 2 ] } ]
    dynamic_batching { preferred_batch_size: [ 4, 8 ] max_queue_delay_microseconds: 100 }
    """

  @Test func parsesTritonTextFormat() throws {
    let config = try ModelConfigLoader.parse(Self.valid, modelName: "m")
    #expect(config.maxBatchSize == 8)
    #expect(config.input.first?.dims == [4])
    #expect(config.input.first?.dataType == .typeFp32)
    guard case .dynamicBatching(let batching) = config.schedulingChoice else {
      Issue.record("dynamic_batching not parsed")
      return
    }
    #expect(batching.preferredBatchSize == [4, 8])
  }

  @Test func theCommittedDigitsConfigLoads() throws {
    let config = try ModelRepository(root: ProjectPaths.models).configuration(of: "digits")
    #expect(config.backend == "mlp")
    #expect(config.output.map(\.name) == ["probabilities", "class"])
  }

  @Test func aMissingNameIsTakenFromTheFolder() throws {
    let config = try ModelConfigLoader.parse(Self.valid.replacingOccurrences(of: #"name: "m""#, with: ""), modelName: "m")
    #expect(config.name == "m")
  }

  @Test(arguments: [
    ("wrong name", #"name: "m""#, #"name: "other""#),
    ("unsupported backend", #"backend: "mlp""#, #"backend: "tensorrt""#),
    ("zero dim", "dims: [ 4 ]", "dims: [ 0 ]"),
    ("invalid type", "TYPE_FP32 dims: [ 4 ]", "TYPE_INVALID dims: [ 4 ]"),
    ("negative batch", "max_batch_size: 8", "max_batch_size: -1"),
    ("preferred above max", "preferred_batch_size: [ 4, 8 ]", "preferred_batch_size: [ 16 ]"),
    ("duplicate tensor name", #"name: "y" data_type"#, #"name: "x" data_type"#),
    ("unknown field", "max_batch_size: 8", "max_batch_size: 8\nmax_sequence_idle_microseconds: 5"),
    ("not text format", "max_batch_size: 8", "max_batch_size = 8"),
  ])
  func badConfigurationsAreRefusedWithAReason(_ label: String, _ find: String, _ replacement: String) {
    let text = Self.valid.replacingOccurrences(of: find, with: replacement)
    #expect(text != Self.valid, "\(label): the substitution did not apply")
    #expect(throws: InferenceError.self, "\(label)") { try ModelConfigLoader.parse(text, modelName: "m") }
  }

  @Test func noInputsOrOutputsIsRefused() {
    #expect(throws: InferenceError.self) {
      try ModelConfigLoader.parse(#"name: "m" backend: "mlp" output [ { name: "y" data_type: TYPE_FP32 dims: [1] } ]"#, modelName: "m")
    }
    #expect(throws: InferenceError.self) {
      try ModelConfigLoader.parse(#"name: "m" backend: "mlp" input [ { name: "x" data_type: TYPE_FP32 dims: [1] } ]"#, modelName: "m")
    }
  }
}
