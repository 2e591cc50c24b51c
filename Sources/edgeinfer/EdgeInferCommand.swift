import ArgumentParser

/// The edgeinfer command line: certificates, inference, clusters and the demo.
@main
struct EdgeInferCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "edgeinfer",
    abstract: "EdgeInfer: an edge AI inference network.",
    subcommands: [
      CertsCommand.self, InferCommand.self, NodesCommand.self, ClusterCommand.self, DemoCommand.self,
      QuantizeCommand.self, TokenizeCommand.self, BenchCommand.self, DrillCommand.self, KeysCommand.self,
      ModelsCommand.self, UsageCommand.self,
    ])
}
