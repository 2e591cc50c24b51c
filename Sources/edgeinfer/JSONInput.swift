import EdgeClient
import Foundation

/// Turns `--input` JSON into request tensors using the model's signature: a bare array feeds a
/// single-input model, an object maps input names to arrays. Nested arrays give the shape; a
/// flat array of one example gets a batch dimension of 1.
enum JSONInput {
  static func tensors(from text: String, signature: ModelSignature) throws -> [InferTensor] {
    let object: Any
    do {
      object = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    } catch {
      throw InputError("--input is neither a JSON array/object nor a readable file")
    }
    var named: [(String, Any)] = []
    if let dictionary = object as? [String: Any] {
      for (name, value) in dictionary.sorted(by: { $0.key < $1.key }) {
        guard signature.inputs.contains(where: { $0.name == name }) else {
          throw InputError("model '\(signature.name)' has no input '\(name)'")
        }
        named.append((name, value))
      }
    } else {
      guard signature.inputs.count == 1 else {
        throw InputError("model '\(signature.name)' has \(signature.inputs.count) inputs: give a JSON object of name: array")
      }
      named = [(signature.inputs[0].name, object)]
    }
    return try named.map { name, value in
      let spec = signature.inputs.first { $0.name == name }!
      var shape: [Int64] = []
      var flat: [Double] = []
      try flatten(value, depth: 0, shape: &shape, into: &flat)
      if shape.count == spec.shape.count - 1, spec.shape.first == -1 { shape.insert(1, at: 0) }
      return try tensor(name: name, datatype: spec.datatype, shape: shape, values: flat)
    }
  }

  private static func flatten(_ value: Any, depth: Int, shape: inout [Int64], into flat: inout [Double]) throws {
    if let array = value as? [Any] {
      if shape.count == depth { shape.append(Int64(array.count)) }
      guard shape[depth] == Int64(array.count) else { throw InputError("ragged nested arrays in --input") }
      for item in array { try flatten(item, depth: depth + 1, shape: &shape, into: &flat) }
    } else if let number = value as? NSNumber {
      guard shape.count == depth else { throw InputError("ragged nested arrays in --input") }
      flat.append(number.doubleValue)
    } else {
      throw InputError("--input holds a value that is not a number")
    }
  }

  private static func tensor(name: String, datatype: String, shape: [Int64], values: [Double]) throws -> InferTensor {
    var data = Data()
    switch datatype {
    case "FP32": for v in values { withUnsafeBytes(of: Float(v).bitPattern.littleEndian) { data.append(contentsOf: $0) } }
    case "FP64": for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
    case "INT32": for v in values { withUnsafeBytes(of: Int32(v).littleEndian) { data.append(contentsOf: $0) } }
    case "INT64": for v in values { withUnsafeBytes(of: Int64(v).littleEndian) { data.append(contentsOf: $0) } }
    default: throw InputError("input '\(name)' is \(datatype), which --input JSON does not cover")
    }
    return InferTensor(name: name, datatype: datatype, shape: shape, data: data)
  }
}

struct InputError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
