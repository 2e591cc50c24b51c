import ArgumentParser
import EdgeClient
import EdgeProto
import Foundation
import SwiftProtobuf

/// The requests a load run cycles through: one per line of a text file for a BYTES input, or
/// deterministic FP32 values of a given shape. Built once, before the clock starts.
struct RequestSource {
  enum Payload {
    case texts([String])
    case floats(shape: [Int64])
  }

  let payload: Payload
  let model: String
  let version: String
  let priority: Int?
  /// Distinct requests kept in memory at most.
  static let maxRequests = 4096

  init(text: String?, shape: String?, model: String, version: String, priority: Int?) throws {
    self.model = model
    self.version = version
    self.priority = priority
    if let text {
      guard let contents = FileManager.default.contents(atPath: text) else { throw ValidationError("cannot read \(text)") }
      let lines = String(decoding: contents, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
        .filter { !$0.isEmpty }.prefix(Self.maxRequests)
      guard !lines.isEmpty else { throw ValidationError("\(text) holds no line of text") }
      payload = .texts(Array(lines))
    } else {
      let dims = (shape ?? "").split(separator: ",").compactMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
      let parts = (shape ?? "").split(separator: ",").count
      guard !dims.isEmpty, dims.count == parts, dims.allSatisfy({ $0 > 0 && $0 <= 1 << 22 }),
        dims.reduce(1.0, { $0 * Double($1) }) <= Double(1 << 22)
      else {
        throw ValidationError("--shape must be positive dimensions such as 1,64 (at most 4 M elements)")
      }
      payload = .floats(shape: dims)
    }
  }

  /// The requests for a model with this signature; its one input must suit the payload.
  func requests(for signature: ModelSignature) throws -> [Inference_ModelInferRequest] {
    guard signature.inputs.count == 1, let input = signature.inputs.first else {
      throw ValidationError("model \(model) takes \(signature.inputs.count) inputs; bench serve sends one")
    }
    let tensors: [InferTensor]
    switch payload {
    case .texts(let texts):
      guard input.datatype == "BYTES" else { throw ValidationError("model \(model)'s input \(input.name) is \(input.datatype), not text: use --shape") }
      tensors = texts.map { InferTensor.texts(input.name, [$0]) }
    case .floats(let shape):
      guard input.datatype == "FP32" else { throw ValidationError("model \(model)'s input \(input.name) is \(input.datatype), not FP32") }
      let count = Int(shape.reduce(1, *))
      var state: UInt64 = 0x9E37_79B9_7F4A_7C15
      tensors = (0..<16).map { _ in
        let values = (0..<count).map { _ -> Float in
          state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
          return Float(state >> 40) / Float(1 << 24) * 16
        }
        return InferTensor.fp32(input.name, shape: shape, values: values)
      }
    }
    return tensors.map { tensor in
      var request = Inference_ModelInferRequest()
      request.modelName = model
      request.modelVersion = version
      request.inputs = [.with { $0.name = tensor.name; $0.datatype = tensor.datatype; $0.shape = tensor.shape }]
      request.rawInputContents = [tensor.data]
      if let priority { request.parameters["priority"] = .with { $0.int64Param = Int64(priority) } }
      return request
    }
  }
}
