@testable import EdgeRuntime
import EdgeProto
import Testing

/// The `threads` parameter: cores one batch may use.
struct ModelThreadsTests {
  static func config(_ parameters: String) throws -> Inference_ModelConfig {
    try ModelConfigLoader.parse(
      """
      name: "m"
      backend: "mlp"
      max_batch_size: 8
      input [ { name: "x" data_type: TYPE_FP32 dims: [ 2 ] } ]
      output [ { name: "y" data_type: TYPE_FP32 dims: [ 2 ] } ]
      \(parameters)
      """, modelName: "m")
  }

  @Test func oneThreadUnlessTheConfigurationAsksForMore() throws {
    #expect(try LoadedModel.threads(of: "m", config: Self.config("")) == 1)
    #expect(try LoadedModel.threads(of: "m", config: Self.config(#"parameters { key: "threads" value { string_value: "2" } }"#)) == 2)
  }

  @Test(arguments: ["0", "65", "two", "-1"])
  func aThreadCountOutOfRangeFailsTheLoadWithItsReason(value: String) throws {
    let config = try Self.config(#"parameters { key: "threads" value { string_value: ""# + value + #"" } }"#)
    let expected = InferenceError.modelLoadFailed(model: "m", reason: "parameter threads must be an integer from 1 to 64, is '" + value + "'")
    #expect(throws: expected) {
      try LoadedModel.threads(of: "m", config: config)
    }
  }
}
