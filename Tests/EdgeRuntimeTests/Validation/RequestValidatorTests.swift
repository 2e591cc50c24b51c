import EdgeProto
import EdgeRuntime
import Foundation
import SwiftProtobuf
import Testing

struct RequestValidatorTests {
  static let config = try! ModelConfigLoader.parse(
    """
    name: "m"
    backend: "mlp"
    max_batch_size: 4
    input [ { name: "x" data_type: TYPE_FP32 dims: [ 3 ] }, { name: "ids" data_type: TYPE_INT8 dims: [ -1 ] } ]
    output [ { name: "y" data_type: TYPE_FP32 dims: [ 2 ] }, { name: "z" data_type: TYPE_INT64 dims: [ 1 ] } ]
    """, modelName: "m")

  static func input(_ name: String, _ datatype: String, _ shape: [Int64]) -> Inference_ModelInferRequest.InferInputTensor {
    .with {
      $0.name = name
      $0.datatype = datatype
      $0.shape = shape
    }
  }

  /// A valid raw request: 2 rows of x (FP32 [2,3]) and ids (INT8 [2,5]).
  static func rawRequest() -> Inference_ModelInferRequest {
    .with {
      $0.modelName = "m"
      $0.inputs = [input("x", "FP32", [2, 3]), input("ids", "INT8", [2, 5])]
      $0.rawInputContents = [Data(count: 24), Data(count: 10)]
    }
  }

  static func reason(_ body: () throws(InferenceError) -> Void) -> InferenceError? {
    do {
      try body()
      return nil
    } catch {
      return error
    }
  }

  @Test func acceptsAValidRawRequest() throws {
    let validated = try RequestValidator.validate(Self.rawRequest(), config: Self.config)
    #expect(validated.batchSize == 2)
    #expect(validated.inputs.map(\.name) == ["x", "ids"])
    #expect(validated.inputs[1].shape == [2, 5])
    #expect(validated.outputNames == ["y", "z"])
  }

  @Test func typedContentsBecomeRawLittleEndianBytes() throws {
    var request = Self.rawRequest()
    request.rawInputContents = []
    request.inputs[0].contents.fp32Contents = [1, 2, 3, 4, 5, 6]
    request.inputs[1].contents.intContents = [-128, 127, 0, 1, 2, 3, 4, 5, 6, 7]
    let validated = try RequestValidator.validate(request, config: Self.config)
    #expect(validated.inputs[0].floats() == [1, 2, 3, 4, 5, 6])
    #expect(validated.inputs[1].data[0] == 0x80)
    #expect(validated.inputs[1].data[1] == 0x7f)
  }

  @Test func inputOrderFollowsTheConfigurationNotTheRequest() throws {
    var request = Self.rawRequest()
    request.inputs.reverse()
    request.rawInputContents.reverse()
    let validated = try RequestValidator.validate(request, config: Self.config)
    #expect(validated.inputs.map(\.name) == ["x", "ids"])
    #expect(validated.inputs[0].data.count == 24)
  }

  @Test func requestedOutputsKeepTheirOrder() throws {
    var request = Self.rawRequest()
    request.outputs = [.with { $0.name = "z" }, .with { $0.name = "y" }]
    #expect(try RequestValidator.validate(request, config: Self.config).outputNames == ["z", "y"])
  }

  /// Every malformed request is refused as the caller's error, with what was wrong.
  @Test(arguments: [
    ("wrong datatype", { @Sendable (r: inout Inference_ModelInferRequest) in r.inputs[0].datatype = "FP64" }, "must be FP32"),
    ("wrong rank", { @Sendable (r: inout Inference_ModelInferRequest) in r.inputs[0].shape = [6] }, "expects [batch, 3]"),
    ("wrong dim", { @Sendable (r: inout Inference_ModelInferRequest) in r.inputs[0].shape = [3, 2] }, "expects [batch, 3]"),
    ("batch too large", { @Sendable (r: inout Inference_ModelInferRequest) in
      r.inputs[0].shape = [5, 3]; r.inputs[1].shape = [5, 2]; r.rawInputContents = [Data(count: 60), Data(count: 10)]
    }, "takes 1 to 4"),
    ("zero batch", { @Sendable (r: inout Inference_ModelInferRequest) in
      r.inputs[0].shape = [0, 3]; r.inputs[1].shape = [0, 5]; r.rawInputContents = [Data(), Data()]
    }, "batch size 0"),
    ("batch sizes differ", { @Sendable (r: inout Inference_ModelInferRequest) in
      r.inputs[1].shape = [1, 10]
    }, "another input"),
    ("negative dim", { @Sendable (r: inout Inference_ModelInferRequest) in r.inputs[1].shape = [2, -5] }, "negative"),
    ("raw size short", { @Sendable (r: inout Inference_ModelInferRequest) in r.rawInputContents[0] = Data(count: 23) }, "need 24"),
    ("raw size long", { @Sendable (r: inout Inference_ModelInferRequest) in r.rawInputContents[0] = Data(count: 25) }, "need 24"),
    ("raw count", { @Sendable (r: inout Inference_ModelInferRequest) in r.rawInputContents.removeLast() }, "one per input"),
    ("raw and typed", { @Sendable (r: inout Inference_ModelInferRequest) in r.inputs[0].contents.fp32Contents = [1] }, "typed contents"),
    ("missing input", { @Sendable (r: inout Inference_ModelInferRequest) in
      r.inputs.removeLast(); r.rawInputContents.removeLast()
    }, "'ids' is missing"),
    ("unknown input", { @Sendable (r: inout Inference_ModelInferRequest) in r.inputs[1].name = "nope" }, "no input 'nope'"),
    ("duplicate input", { @Sendable (r: inout Inference_ModelInferRequest) in r.inputs[1].name = "x" }, "more than once"),
    ("unknown output", { @Sendable (r: inout Inference_ModelInferRequest) in r.outputs = [.with { $0.name = "w" }] }, "no output 'w'"),
    ("duplicate output", { @Sendable (r: inout Inference_ModelInferRequest) in
      r.outputs = [.with { $0.name = "y" }, .with { $0.name = "y" }]
    }, "more than once"),
    ("typed count", { @Sendable (r: inout Inference_ModelInferRequest) in
      r.rawInputContents = []; r.inputs[0].contents.fp32Contents = [1, 2]; r.inputs[1].contents.intContents = Array(repeating: 0, count: 10)
    }, "2 values in fp32_contents"),
    ("typed wrong field", { @Sendable (r: inout Inference_ModelInferRequest) in
      r.rawInputContents = []; r.inputs[0].contents.fp64Contents = [1, 2, 3, 4, 5, 6]; r.inputs[1].contents.intContents = Array(repeating: 0, count: 10)
    }, "0 values in fp32_contents"),
    ("typed out of range", { @Sendable (r: inout Inference_ModelInferRequest) in
      r.rawInputContents = []; r.inputs[0].contents.fp32Contents = Array(repeating: 0, count: 6)
      r.inputs[1].contents.intContents = [128] + Array(repeating: 0, count: 9)
    }, "does not fit INT8"),
  ] as [(String, @Sendable (inout Inference_ModelInferRequest) -> Void, String)])
  func malformedRequestsAreRefused(_ label: String, _ mutate: @Sendable (inout Inference_ModelInferRequest) -> Void, _ expected: String) {
    var request = Self.rawRequest()
    mutate(&request)
    let error = Self.reason { () throws(InferenceError) in _ = try RequestValidator.validate(request, config: Self.config) }
    guard case .invalidRequest(let message)? = error else {
      Issue.record("\(label): expected invalidRequest, got \(String(describing: error))")
      return
    }
    #expect(message.contains(expected), "\(label): \(message)")
  }

  @Test func elementCountsThatOverflowOrExceedTheLimitAreRefused() {
    var request = Self.rawRequest()
    request.inputs[1].shape = [2, Int64(Int32.max)]
    let limits = RequestLimits(maxElementsPerTensor: 1000)
    let error = Self.reason { () throws(InferenceError) in _ = try RequestValidator.validate(request, config: Self.config, limits: limits) }
    guard case .limitExceeded? = error else {
      Issue.record("expected limitExceeded, got \(String(describing: error))")
      return
    }
  }

  @Test func modelsWithoutABatchDimensionTakeTheDeclaredShape() throws {
    let config = try ModelConfigLoader.parse(
      #"name: "u" backend: "mlp" input [ { name: "x" data_type: TYPE_FP32 dims: [ 2 ] } ] output [ { name: "y" data_type: TYPE_FP32 dims: [ 1 ] } ]"#,
      modelName: "u")
    var request = Inference_ModelInferRequest.with {
      $0.modelName = "u"
      $0.inputs = [Self.input("x", "FP32", [2])]
      $0.rawInputContents = [Data(count: 8)]
    }
    #expect(try RequestValidator.validate(request, config: config).batchSize == 1)
    request.inputs[0].shape = [1, 2]
    #expect(throws: InferenceError.self) { try RequestValidator.validate(request, config: config) }
  }

  @Test func deadlinesPastTheLimitAreRefusedAndNoneIsFine() throws {
    let limits = RequestLimits(maxDeadline: .seconds(10))
    try limits.checkDeadline(nil)
    try limits.checkDeadline(.seconds(10))
    #expect(throws: InferenceError.self) { try limits.checkDeadline(.milliseconds(10_001)) }
    do {
      try limits.checkDeadline(.seconds(60))
    } catch {
      #expect(error.description.contains("60 s is past this server's limit of 10 s"))
    }
  }
}
