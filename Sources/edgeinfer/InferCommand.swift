import ArgumentParser
import EdgeClient
import EdgeRouting
import Foundation

struct InferCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "infer", abstract: "Run a model through a router (or a node) and print the outputs.")

  @OptionGroup var connection: ConnectionOptions
  @Option(help: "Model name.") var model: String
  @Option(help: "Model version (default: latest).") var version = ""
  @Option(help: "Input as JSON (array, or object of name: array) or a path to a JSON file.") var input: String?
  @Option(name: .customLong("text"), help: "A text for a model with one BYTES input (repeat for a batch).") var texts: [String] = []
  @Option(help: "Client location LAT,LON for geo-routing.") var location: String?

  func run() async throws {
    let point = try location.map { try GeoPoint(parsing: $0) }
    guard (input == nil) != texts.isEmpty else { throw ValidationError("give either --input or --text") }
    try await EdgeInferenceClient.withClient(try connection.clientConfiguration(location: point)) { client in
      let signature = try await client.modelSignature(model: model, version: version)
      let inputs: [InferTensor]
      if let input {
        let text = FileManager.default.fileExists(atPath: input) ? try String(contentsOfFile: input, encoding: .utf8) : input
        inputs = try JSONInput.tensors(from: text, signature: signature)
      } else {
        guard signature.inputs.count == 1, signature.inputs[0].datatype == "BYTES" else {
          throw ValidationError("--text needs a model with one BYTES input; '\(model)' takes \(signature.inputs.map { "\($0.name) \($0.datatype)" })")
        }
        inputs = [.texts(signature.inputs[0].name, texts)]
      }
      let result = try await client.infer(model: model, version: version, inputs: inputs)
      for output in result.outputs {
        if let floats = output.floats, output.shape.count == 2, output.shape[1] > 32 {
          printVectors(output, floats)
          continue
        }
        let values: [String] = output.floats?.map { String(format: "%.6g", $0) } ?? output.int64s?.map(String.init) ?? ["<\(output.data.count) bytes>"]
        print("\(output.name) \(output.datatype) \(output.shape): [\(values.prefix(32).joined(separator: ", "))\(values.count > 32 ? ", …" : "")]")
      }
      var place = "ran on \(result.node ?? "?")"
      if let region = result.region { place += " (\(region))" }
      if let km = result.distanceKilometres { place += ", \(Int(km.rounded())) km from the client" }
      place += String(format: ", %.2f ms", Double(result.latency.components.attoseconds) / 1e15 + Double(result.latency.components.seconds) * 1000)
      if !result.truncatedRows.isEmpty {
        place += "; truncated to the model's maximum length: row \(result.truncatedRows.map(String.init).joined(separator: ", "))"
      }
      print(place)
    }
  }

  /// Long vectors (embeddings): each row's first values and its Euclidean norm.
  private func printVectors(_ output: InferTensor, _ floats: [Float]) {
    let width = Int(output.shape[1])
    for row in 0..<Int(output.shape[0]) {
      let vector = floats[row * width..<(row + 1) * width]
      let norm = vector.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
      let head = vector.prefix(8).map { String(format: "%.6f", $0) }.joined(separator: ", ")
      print("\(output.name)[\(row)] \(output.datatype) [\(width)]: [\(head), …] norm \(String(format: "%.6f", norm))")
    }
  }
}
