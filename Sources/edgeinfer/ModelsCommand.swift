import ArgumentParser
import EdgeClient
import EdgeProto
import Foundation
import SwiftProtobuf

/// The fleet's models through a router, with an admin credential: which versions are ready on
/// which node, loading and unloading (every node, or one), and a model's configuration.
struct ModelsCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "models", abstract: "List, load, unload and show the configuration of models across the fleet (admin).",
    subcommands: [List.self, Load.self, Unload.self, Config.self])

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Per node, the model versions it reports and their state.")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Only this model.") var model: String?
    @Option(help: "Only this version.") var version: String?
    @Option(help: "Only this node.") var node: String?
    @Flag(help: "One JSON object per line instead of a table.") var json = false

    func run() async throws {
      let nodes = try await EdgeInferenceClient.withClient(try connection.adminConfiguration()) { try await $0.nodeStatuses() }
      var table = TextTable(header: ["node", "region", "in rotation", "model", "version", "state"])
      for info in nodes where node == nil || info.status.nodeID == node {
        for state in info.status.models.sorted(by: { ($0.name, $0.version) < ($1.name, $1.version) })
        where (model == nil || state.name == model) && (version == nil || state.version == version) {
          let name = Self.stateName(state.state)
          if json {
            print(
              #"{"node":"\#(info.status.nodeID)","region":"\#(info.status.region)","in_rotation":\#(info.healthy),"model":"\#(state.name)","version":"\#(state.version)","state":"\#(name)"}"#)
          } else {
            table.add([info.status.nodeID, info.status.region, info.healthy ? "yes" : "no", state.name, state.version.isEmpty ? "-" : state.version, name])
          }
        }
      }
      if !json { print(table.render()) }
    }

    static func stateName(_ state: Edgeinfer_V1_ModelState.State) -> String {
      switch state {
      case .ready: "READY"
      case .loading: "LOADING"
      case .unavailable: "UNAVAILABLE"
      default: "UNKNOWN"
      }
    }
  }

  struct Load: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Load (or reload) a model's served versions on every node, or on one with --node.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Model name.") var model: String
    @Option(help: "Only this version, beside those already served.") var version: String?
    @Option(help: "Only this node.") var node: String?

    func run() async throws {
      try await EdgeInferenceClient.withClient(try connection.adminConfiguration()) {
        try await $0.loadModel(model, version: version, node: node)
      }
      print("loaded \(model)\(version.map { " version \($0)" } ?? "") on \(node ?? "every node in rotation")")
    }
  }

  struct Unload: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Unload a model (all its versions, or one) from every node, or from one with --node.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Model name.") var model: String
    @Option(help: "Only this version; the others keep serving.") var version: String?
    @Option(help: "Only this node.") var node: String?

    func run() async throws {
      try await EdgeInferenceClient.withClient(try connection.adminConfiguration()) {
        try await $0.unloadModel(model, version: version, node: node)
      }
      print("unloaded \(model)\(version.map { " version \($0)" } ?? "") from \(node ?? "every node in rotation")")
    }
  }

  struct Config: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "A model's configuration (Triton's ModelConfig), as JSON.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Model name.") var model: String
    @Option(help: "Version (default: the latest ready).") var version: String?
    @Option(help: "From this node (default: the one the router picks).") var node: String?

    func run() async throws {
      let config = try await EdgeInferenceClient.withClient(try connection.adminConfiguration()) {
        try await $0.modelConfig(model, version: version ?? "", node: node)
      }
      var options = JSONEncodingOptions()
      options.preserveProtoFieldNames = true
      print(try config.jsonString(options: options))
    }
  }
}
