import EdgeProto
import Foundation
import SwiftProtobuf
import Testing

@testable import EdgeServer

/// The REST binding's body to and from the gRPC binding's messages: JSON tensors of every
/// datatype, Triton's binary extension, and the refusals a careless or hostile body meets.
struct RESTInferCodecTests {
  static func body(_ json: String, binary: [UInt8] = []) -> ([UInt8], Int?) {
    let header = Array(json.utf8)
    return (header + binary, binary.isEmpty ? nil : header.count)
  }

  static func raw<T>(_ values: [T]) -> [UInt8] {
    values.withUnsafeBytes { Array($0) }
  }

  @Test func jsonTensorsOfEveryDatatypeBecomeLittleEndianBytes() throws {
    let cases: [(String, String, [UInt8])] = [
      ("BOOL", "[true, false]", [1, 0]),
      ("UINT8", "[0, 255]", [0, 255]),
      ("INT8", "[-128, 127]", [0x80, 0x7f]),
      ("INT16", "[[-2], [3]]", Self.raw([Int16(-2), 3])),
      ("UINT32", "[4294967295]", Self.raw([UInt32.max])),
      ("INT64", "[-9007199254740993]", Self.raw([Int64(-9_007_199_254_740_993)])),
      ("UINT64", "[18446744073709551615]", Self.raw([UInt64.max])),
      ("FP16", "[1.5]", Self.raw([Float16(1.5).bitPattern])),
      ("FP32", "[0.1, -2]", Self.raw([Float(0.1).bitPattern, Float(-2).bitPattern])),
      ("FP64", "[0.1]", Self.raw([Double(0.1).bitPattern])),
      ("BYTES", #"["hé", ""]"#, [3, 0, 0, 0, 0x68, 0xc3, 0xa9, 0, 0, 0, 0]),
    ]
    for (datatype, data, expected) in cases {
      let (body, _) = Self.body(#"{"inputs": [{"name": "x", "shape": [2], "datatype": "\#(datatype)", "data": \#(data)}]}"#)
      let (request, _) = try RESTInferCodec.request(model: "m", version: "", body: body, headerLength: nil)
      #expect(Array(request.rawInputContents[0]) == expected, "\(datatype)")
      #expect(request.inputs[0].datatype == datatype)
      // And back, for the answer's JSON.
      let elements = try #require(RESTTensorData.json(expected, datatype: datatype))
      let flat = try JSONDecoder().decode(RESTJSONValue.self, from: Data(data.utf8))
      var values: [RESTJSONValue] = []
      func flatten(_ value: RESTJSONValue) { if case .array(let items) = value { items.forEach(flatten) } else { values.append(value) } }
      flatten(flat)
      #expect(elements.count == values.count, "\(datatype)")
    }
  }

  @Test func valuesOutsideTheirTypeAreRefusedByName() {
    for (datatype, data) in [
      ("UINT8", "[256]"), ("UINT8", "[-1]"), ("INT8", "[1.5]"), ("INT32", "[true]"), ("FP32", #"["1"]"#), ("BOOL", "[1]"),
      ("BYTES", "[1]"), ("FP32", "[null]"), ("BF16", "[1]"), ("NOPE", "[1]"),
    ] {
      let (body, _) = Self.body(#"{"inputs": [{"name": "x", "shape": [1], "datatype": "\#(datatype)", "data": \#(data)}]}"#)
      #expect(throws: RESTError.badRequest("input 'x': element 0 is not a valid \(datatype) value"), "\(datatype) \(data)") {
        try RESTInferCodec.request(model: "m", version: "", body: body, headerLength: nil)
      }
    }
  }

  @Test func binaryInputsAreSlicedInOrderAndMustFillTheBody() throws {
    let a: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
    let b: [UInt8] = [9, 9, 9, 9]
    let json = #"""
      {"id": "r", "parameters": {"binary_data_output": true, "priority": 2, "flag": true, "scale": 0.5, "tag": "t"},
       "inputs": [{"name": "a", "shape": [2], "datatype": "FP32", "parameters": {"binary_data_size": 8}},
                  {"name": "b", "shape": [1], "datatype": "INT32", "parameters": {"binary_data_size": 4}}],
       "outputs": [{"name": "y", "parameters": {"binary_data": false}}]}
      """#
    let (body, length) = Self.body(json, binary: a + b)
    let (request, binary) = try RESTInferCodec.request(model: "m", version: "2", body: body, headerLength: length)
    #expect(request.modelVersion == "2" && request.id == "r")
    #expect(request.rawInputContents.map(Array.init) == [a, b])
    #expect(request.inputs.allSatisfy { $0.parameters.isEmpty })
    #expect(request.parameters["priority"]?.int64Param == 2 && request.parameters["flag"]?.boolParam == true)
    #expect(request.parameters["scale"]?.doubleParam == 0.5 && request.parameters["tag"]?.stringParam == "t")
    #expect(request.parameters["binary_data_output"] == nil)
    #expect(binary.contains("y") && binary.contains("z"))
    #expect(request.outputs.map(\.name) == ["y"] && request.outputs[0].parameters.isEmpty)

    #expect(throws: RESTError.self) {  // a byte left over
      try RESTInferCodec.request(model: "m", version: "", body: body + [0], headerLength: length)
    }
    #expect(throws: RESTError.self) {  // a size past the body
      try RESTInferCodec.request(model: "m", version: "", body: Array(body.dropLast()), headerLength: length)
    }
    #expect(throws: RESTError.self) {  // a header length past the body
      try RESTInferCodec.request(model: "m", version: "", body: body, headerLength: body.count + 1)
    }
    // A size at the edge of Int64 is refused, not added up into an overflow.
    let (huge, hugeLength) = Self.body(
      #"{"inputs": [{"name": "a", "shape": [2], "datatype": "FP32", "parameters": {"binary_data_size": 9223372036854775807}}]}"#,
      binary: a)
    #expect(throws: RESTError.badRequest("input 'a': binary_data_size is not a size within the body")) {
      try RESTInferCodec.request(model: "m", version: "", body: huge, headerLength: hugeLength)
    }
  }

  @Test func malformedHeadersAreRefused() {
    for json in [
      "", "[]", "not json", #"{"inputs": []}"#, #"{"inputs": [1]}"#, #"{"inputs": [{"shape": [1], "datatype": "FP32", "data": [1]}]}"#,
      #"{"inputs": [{"name": "x", "shape": [1.5], "datatype": "FP32", "data": [1]}]}"#,
      #"{"inputs": [{"name": "x", "shape": [1], "datatype": "FP32"}]}"#, #"{"id": 3, "inputs": []}"#,
      #"{"inputs": [{"name": "x", "shape": [1], "datatype": "FP32", "data": [1]}], "parameters": {"p": [1]}}"#,
      #"{"inputs": [{"name": "x", "shape": [1], "datatype": "FP32", "data": [1]}], "outputs": [{"parameters": {}}]}"#,
    ] {
      #expect(throws: RESTError.self, "\(json)") {
        try RESTInferCodec.request(model: "m", version: "", body: Array(json.utf8), headerLength: nil)
      }
    }
  }

  @Test func answersCarryBinaryOutputsAfterTheirHeader() throws {
    var response = Inference_ModelInferResponse()
    response.modelName = "m"
    response.modelVersion = "1"
    response.id = "r"
    response.parameters["edge_node"] = .with { $0.stringParam = "n" }
    for (name, datatype, raw) in [("p", "FP32", Self.raw([Float(0.25).bitPattern])), ("c", "INT64", Self.raw([Int64(7)]))] {
      response.outputs.append(.with {
        $0.name = name
        $0.datatype = datatype
        $0.shape = [1, 1]
      })
      response.rawOutputContents.append(Data(raw))
    }
    var binary = RESTInferCodec.BinaryOutputs(all: false)
    binary.names = ["p"]
    let (body, length) = try RESTInferCodec.response(response, binary: binary)
    let headerLength = try #require(length)
    #expect(Array(body[headerLength...]) == Self.raw([Float(0.25).bitPattern]))
    let header = try JSONSerialization.jsonObject(with: Data(body[..<headerLength])) as? [String: Any]
    let outputs = try #require(header?["outputs"] as? [[String: Any]])
    #expect((outputs[0]["parameters"] as? [String: Any])?["binary_data_size"] as? Int == 4)
    #expect(outputs[1]["data"] as? [Int64] == [7] || outputs[1]["data"] as? [Int] == [7])
    #expect(header?["id"] as? String == "r")
    #expect((header?["parameters"] as? [String: Any])?["edge_node"] as? String == "n")
    // All JSON: no header length.
    #expect(try RESTInferCodec.response(response, binary: RESTInferCodec.BinaryOutputs(all: false)).headerLength == nil)
  }
}
