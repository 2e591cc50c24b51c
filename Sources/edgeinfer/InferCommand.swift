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
  @Option(help: "Input as JSON (array, or object of name: array) or a path to a JSON file.") var input: String
  @Option(help: "Client location LAT,LON for geo-routing.") var location: String?

  func run() async throws {
    let point = try location.map { try GeoPoint(parsing: $0) }
    let text = FileManager.default.fileExists(atPath: input) ? try String(contentsOfFile: input, encoding: .utf8) : input
    try await EdgeInferenceClient.withClient(try connection.clientConfiguration(location: point)) { client in
      let signature = try await client.modelSignature(model: model, version: version)
      let inputs = try JSONInput.tensors(from: text, signature: signature)
      let result = try await client.infer(model: model, version: version, inputs: inputs)
      for output in result.outputs {
        let values: [String] = output.floats?.map { String(format: "%.6g", $0) } ?? output.int64s?.map(String.init) ?? ["<\(output.data.count) bytes>"]
        print("\(output.name) \(output.datatype) \(output.shape): [\(values.prefix(32).joined(separator: ", "))\(values.count > 32 ? ", …" : "")]")
      }
      var place = "ran on \(result.node ?? "?")"
      if let region = result.region { place += " (\(region))" }
      if let km = result.distanceKilometres { place += ", \(Int(km.rounded())) km from the client" }
      place += String(format: ", %.2f ms", Double(result.latency.components.attoseconds) / 1e15 + Double(result.latency.components.seconds) * 1000)
      print(place)
    }
  }
}
