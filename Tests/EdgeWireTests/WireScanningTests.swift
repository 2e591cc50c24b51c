import EdgeRuntime
import EdgeProto
import Foundation
import EdgeWire
import SwiftProtobuf
import Testing

/// The router reads requests and responses as bytes; what it reads must equal what decoding the
/// same messages with SwiftProtobuf gives.
@Suite struct WireScanningTests {
  /// A deterministic generator, so a failure names the message that caused it.
  typealias Generator = SplitMix64

  static func contents(_ random: inout Generator) -> Inference_InferTensorContents {
    .with {
      $0.boolContents = (0..<Int.random(in: 0...3, using: &random)).map { _ in Bool.random(using: &random) }
      $0.intContents = (0..<Int.random(in: 0...3, using: &random)).map { _ in Int32.random(in: .min ... .max, using: &random) }
      $0.int64Contents = (0..<Int.random(in: 0...3, using: &random)).map { _ in Int64.random(in: .min ... .max, using: &random) }
      $0.uintContents = (0..<Int.random(in: 0...3, using: &random)).map { _ in UInt32.random(in: 0 ... .max, using: &random) }
      $0.uint64Contents = (0..<Int.random(in: 0...3, using: &random)).map { _ in UInt64.random(in: 0 ... .max, using: &random) }
      $0.fp32Contents = (0..<Int.random(in: 0...40, using: &random)).map { _ in Float.random(in: -1...1, using: &random) }
      $0.fp64Contents = (0..<Int.random(in: 0...3, using: &random)).map { _ in Double.random(in: -1...1, using: &random) }
      $0.bytesContents = (0..<Int.random(in: 0...3, using: &random)).map { _ in Data(repeating: 7, count: Int.random(in: 0...300, using: &random)) }
    }
  }

  static func request(_ random: inout Generator) -> Inference_ModelInferRequest {
    .with { request in
      request.modelName = ["digits", "minilm", "é模型", ""].randomElement(using: &random)!
      request.modelVersion = ["", "1", "12"].randomElement(using: &random)!
      request.id = "req-\(random.next() % 1000)"
      request.parameters["edge_x"] = .with { $0.int64Param = 3 }
      request.inputs = (0..<Int.random(in: 0...3, using: &random)).map { _ in
        .with { input in
          input.name = "in"
          input.datatype = "FP32"
          input.shape = (0..<Int.random(in: 0...3, using: &random)).map { _ in Int64.random(in: -2...70_000, using: &random) }
          if Bool.random(using: &random) { input.contents = contents(&random) }
        }
      }
      request.outputs = [.with { $0.name = "out" }]
      request.rawInputContents = (0..<Int.random(in: 0...2, using: &random)).map { _ in
        Data(repeating: 1, count: Int.random(in: 0...5000, using: &random))
      }
    }
  }

  @Test func requestSummariesEqualWhatDecodingGives() throws {
    var random = Generator(seed: 1)
    for _ in 0..<500 {
      let request = Self.request(&random)
      let bytes: [UInt8] = try request.serializedBytes()
      let summary = try InferRequestSummary(scanning: bytes)
      #expect(summary.modelName == request.modelName)
      #expect(summary.modelVersion == request.modelVersion)
      #expect(summary.id == request.id)
      #expect(summary.rows == (request.inputs.first?.shape.first ?? 1))
      let payload = request.rawInputContents.reduce(0) { $0 + $1.count }
        + request.inputs.reduce(0) { $0 + ($1.hasContents ? Self.payload(of: $1.contents) : 0) }
      #expect(summary.payloadBytes == payload)
    }
  }

  /// Payload counted on a decoded message, as RequestValidator.payloadBytes counts it.
  static func payload(of contents: Inference_InferTensorContents) -> Int {
    contents.boolContents.count + 4 * (contents.intContents.count + contents.uintContents.count + contents.fp32Contents.count)
      + 8 * (contents.int64Contents.count + contents.uint64Contents.count + contents.fp64Contents.count)
      + contents.bytesContents.reduce(0) { $0 + 4 + $1.count }
  }

  @Test func responseSummariesAndAppendedParametersEqualWhatDecodingGives() throws {
    var random = Generator(seed: 2)
    for round in 0..<300 {
      let response = Inference_ModelInferResponse.with { response in
        response.modelName = "digits"
        response.parameters["edge_queue_us"] = .with { $0.int64Param = Int64(round) }
        response.parameters["edge_compute_us"] = .with { $0.int64Param = -5 }
        response.parameters["edge_node"] = .with { $0.stringParam = "node-a" }
        response.parameters["edge_flag"] = .with { $0.boolParam = true }
        response.outputs = (0..<Int.random(in: 0...2, using: &random)).map { _ in
          .with { output in
            output.name = "out"
            output.shape = [1, 10]
            if Bool.random(using: &random) { output.contents = Self.contents(&random) }
          }
        }
        response.rawOutputContents = [Data(repeating: 2, count: Int.random(in: 0...4000, using: &random))]
      }
      var bytes: [UInt8] = try response.serializedBytes()
      let summary = try InferResponseSummary(scanning: bytes)
      #expect(summary.int64Parameters == ["edge_queue_us": Int64(round), "edge_compute_us": -5])
      let payload = response.rawOutputContents.reduce(0) { $0 + $1.count }
        + response.outputs.reduce(0) { $0 + ($1.hasContents ? Self.payload(of: $1.contents) : 0) }
      #expect(summary.payloadBytes == payload)

      WireParameter.append("edge_route_us", .int64(-(1 << 40)), to: &bytes)
      WireParameter.append("edge_node", .string("node-b é"), to: &bytes)
      WireParameter.append("edge_distance_km", .double(1234.5), to: &bytes)
      WireParameter.append("edge_flag", .bool(false), to: &bytes)
      let decoded = try Inference_ModelInferResponse(serializedBytes: bytes)
      #expect(decoded.parameters["edge_route_us"]?.int64Param == -(1 << 40))
      #expect(decoded.parameters["edge_node"]?.stringParam == "node-b é")
      #expect(decoded.parameters["edge_distance_km"]?.doubleParam == 1234.5)
      #expect(decoded.parameters["edge_flag"]?.boolParam == false)
      #expect(decoded.parameters["edge_queue_us"]?.int64Param == Int64(round))
      #expect(decoded.outputs == response.outputs)
      #expect(decoded.rawOutputContents == response.rawOutputContents)
    }
  }

  @Test func unpackedRepeatedFieldsCountAsPackedOnes() throws {
    // proto3 writers pack by default, but a parser must accept either form. Field 3 (shape) and
    // field 5 (contents: fp32 as single fixed32 fields) written one element at a time.
    var input: [UInt8] = [0x18, 0x04, 0x18, 0x40]  // shape 4, 64
    let contents: [UInt8] = [0x35, 0, 0, 0x80, 0x3F, 0x35, 0, 0, 0, 0x40]  // fp32 1.0, 2.0
    input += [0x2A, UInt8(contents.count)] + contents
    let request: [UInt8] = [0x0A, 0x01, 0x64] + [0x2A, UInt8(input.count)] + input
    let decoded = try Inference_ModelInferRequest(serializedBytes: request)
    #expect(decoded.inputs.first?.shape == [4, 64])
    #expect(decoded.inputs.first?.contents.fp32Contents == [1, 2])
    let summary = try InferRequestSummary(scanning: request)
    #expect(summary.modelName == "d")
    #expect(summary.rows == 4)
    #expect(summary.payloadBytes == 8)
  }

  @Test func malformedBytesAreRefusedNeverReadPastTheEnd() throws {
    var random = Generator(seed: 3)
    let bytes: [UInt8] = try Self.request(&random).serializedBytes()
    // Every truncation and every single-byte corruption either scans or throws: none traps.
    for end in 0..<bytes.count {
      _ = try? InferRequestSummary(scanning: Array(bytes[..<end]))
      _ = try? InferResponseSummary(scanning: Array(bytes[..<end]))
    }
    for index in bytes.indices {
      for flip: UInt8 in [0x80, 0xFF, 0x07] {
        var corrupt = bytes
        corrupt[index] ^= flip
        _ = try? InferRequestSummary(scanning: corrupt)
        _ = try? InferResponseSummary(scanning: corrupt)
      }
    }
    #expect(throws: WireFormatError.self) { try InferRequestSummary(scanning: [0x0A, 0x05, 0x61]) }
    #expect(throws: WireFormatError.self) { try InferRequestSummary(scanning: [0x0A, 0x02, 0xC3, 0x28]) }
    #expect(throws: WireFormatError.self) { try InferRequestSummary(scanning: [0x0B]) }
    #expect(throws: WireFormatError.self) { try InferRequestSummary(scanning: [0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]) }
    // A known field with the wrong wire type is an unknown field to protobuf's parsers: skipped.
    #expect(try InferRequestSummary(scanning: [0x08, 0x01, 0x0A, 0x01, 0x64]).modelName == "d")
    #expect(try Inference_ModelInferRequest(serializedBytes: [0x08, 0x01, 0x0A, 0x01, 0x64] as [UInt8]).modelName == "d")
  }
}
