import ArgumentParser
import EdgeObservability
import EdgeRuntime

/// The edgeinfer command line: certificates, inference, clusters and the demo.
@main
struct EdgeInferCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "edgeinfer",
    abstract: "EdgeInfer: an edge AI inference network.",
    version: BuildInfo.description,
    subcommands: [
      CertsCommand.self, InferCommand.self, NodesCommand.self, TopCommand.self, ClusterCommand.self, DemoCommand.self,
      QuantizeCommand.self, TokenizeCommand.self, BenchCommand.self, DrillCommand.self, KeysCommand.self,
      ModelsCommand.self, UsageCommand.self,
    ])

  /// ArgumentParser's own `main`, after the restart that corrects OpenBLAS's kernels (which has
  /// to come before any work).
  static func main() async {
    BLASCoreCorrection.restartIfNeeded(program: "edgeinfer")
    do {
      var command = try parseAsRoot()
      if var asyncCommand = command as? any AsyncParsableCommand {
        try await asyncCommand.run()
      } else {
        try command.run()
      }
    } catch {
      exit(withError: error)
    }
  }
}
