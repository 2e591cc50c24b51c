import EdgeRuntime
import Foundation
import EdgeTestSupport
import Testing

struct SafeTensorsFileTests {
  @Test func mapsTensorsInPlace() throws {
    let folder = try TemporaryDirectory()
    let path = "\(folder.path)/a.safetensors"
    try SafeTensorsWriter(
      entries: [.f32("w", shape: [2, 3], values: [1, 2, 3, 4, 5, 6]), .f32("b", shape: [3], values: [-1, 0, 1])],
      metadata: ["format": "test"]
    ).write(to: path)
    let file = try SafeTensorsFile(path: path)
    #expect(Array(try file.floats(of: "w")) == [1, 2, 3, 4, 5, 6])
    #expect(Array(try file.floats(of: "b")) == [-1, 0, 1])
    #expect(file.tensors["w"]?.shape == [2, 3])
    #expect(file.metadata["format"] == "test")
    #expect(file.dataByteCount == 36)
  }

  @Test func readsTheCommittedDigitsModel() throws {
    let file = try SafeTensorsFile(path: "\(ProjectPaths.models)/digits/1/model.safetensors")
    #expect(file.tensors["layers.0.weight"]?.shape == [128, 64])
    #expect(file.tensors["layers.2.weight"]?.shape == [10, 64])
  }

  @Test func missingAndWronglyTypedTensorsAreRefused() throws {
    let folder = try TemporaryDirectory()
    let path = "\(folder.path)/a.safetensors"
    try SafeTensorsWriter(entries: [.init(name: "i", dtype: "I32", shape: [1], bytes: [1, 0, 0, 0])]).write(to: path)
    let file = try SafeTensorsFile(path: path)
    #expect(throws: SafeTensorsError.missingTensor(path: path, name: "x")) { try file.floats(of: "x") }
    #expect(throws: SafeTensorsError.wrongType(path: path, name: "i", expected: "F32", found: "I32")) {
      try file.floats(of: "i")
    }
  }

  static func file(header: String, dataBytes: Int = 0, declaredLength: UInt64? = nil) -> [UInt8] {
    let json = [UInt8](header.utf8)
    var bytes: [UInt8] = []
    withUnsafeBytes(of: (declaredLength ?? UInt64(json.count)).littleEndian) { bytes += $0 }
    return bytes + json + [UInt8](repeating: 0, count: dataBytes)
  }

  /// Each malformed file is refused with a reason; none is read past its end.
  @Test(arguments: [
    ("short file", [UInt8](repeating: 0, count: 5)),
    ("header past end", file(header: "{}", declaredLength: 1000)),
    ("header over limit", file(header: "{}", declaredLength: UInt64(200_000_000))),
    ("not JSON", file(header: "{nope")),
    ("not an object", file(header: "[1,2]")),
    ("unknown dtype", file(header: #"{"t":{"dtype":"Q3","shape":[1],"data_offsets":[0,1]}}"#, dataBytes: 1)),
    ("offsets past data", file(header: #"{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, dataBytes: 4)),
    ("reversed offsets", file(header: #"{"t":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}"#, dataBytes: 4)),
    ("shape and size disagree", file(header: #"{"t":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, dataBytes: 8)),
    ("negative dimension", file(header: #"{"t":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, dataBytes: 4)),
    ("overflowing shape", file(header: #"{"t":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#, dataBytes: 8)),
    ("missing offsets", file(header: #"{"t":{"dtype":"F32","shape":[1]}}"#, dataBytes: 4)),
    ("bad metadata", file(header: #"{"__metadata__":{"k":1}}"#)),
  ])
  func malformedFilesAreRefused(_ label: String, _ bytes: [UInt8]) throws {
    let folder = try TemporaryDirectory()
    try folder.write(bytes: bytes, to: "bad.safetensors")
    #expect(throws: SafeTensorsError.self, "\(label)") { try SafeTensorsFile(path: "\(folder.path)/bad.safetensors") }
  }

  @Test func aMissingFileIsUnreadable() {
    #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(path: "/nonexistent/model.safetensors") }
  }
}
