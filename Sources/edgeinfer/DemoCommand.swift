import ArgumentParser
import EdgeClient
import EdgeRouting
import EdgeCluster
import EdgeServer
import Foundation

/// The main job: two routers and three nodes at real cities on loopback, clients from several
/// cities, a table of where each request ran, sentence embeddings from a real transformer (when
/// `make models` installed it), a node killed and the same clients failing over, then the first
/// router killed and the clients carrying on through the second, and every process stopped at
/// the end.
struct DemoCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo", abstract: "Run the EdgeInfer demo on loopback and leave nothing running.")

  @Option(help: "Model repository.") var models = "models"
  @Option(help: "Node to kill for the failover round.") var kill = "node-1"

  func run() async throws {
    let samples = try DigitsSamples(repository: models)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("edgeinfer-demo-\(getpid())").path
    let topology = ClusterTopology.standard(nodes: 3)
    let cluster = LocalCluster(topology: topology, directory: folder, models: models)
    _ = InterruptSignal()  // Ctrl-C still ends in cleanup below
    var failures = 0
    do {
      defer {
        cluster.stop()
        try? FileManager.default.removeItem(atPath: folder)
      }
      print(
        "Starting routers in \(topology.routers.map(\.city).joined(separator: " and ")) and nodes in \(topology.nodes.map(\.city).joined(separator: ", ")) (TLS, private CA)…")
      try await cluster.start()
      try await cluster.waitUntilHealthy(count: topology.nodes.count)
      for (site, address) in zip(topology.routers, cluster.routerAddresses) {
        print("\(site.id) (\(site.city)) listening on \(address)")
      }
      for site in topology.routers + topology.nodes {
        if let address = cluster.metricsAddresses[site.id] { print("metrics of \(site.id): http://\(address)/metrics") }
      }
      for site in topology.routers {
        if let address = cluster.httpAddresses[site.id] { print("REST (KServe v2) of \(site.id): https://\(address)") }
      }
      for site in topology.routers {
        if let address = cluster.dashboardAddresses[site.id] { print("dashboard of \(site.id): https://\(address)/") }
      }
      print("every node registered with every router:\n")
      var nodeTable = TextTable(header: ["node", "city", "region", "location"])
      for site in topology.nodes {
        nodeTable.add([site.id, site.city, site.region, String(format: "%.4f, %.4f", site.location.latitude, site.location.longitude)])
      }
      print(nodeTable.render())

      print("\nRound 1: `digits` requests from clients in six cities, each routed to the nearest node\n")
      failures += try await round(cluster: cluster, samples: samples)

      let accuracy = try await testSplitAccuracy(cluster: cluster, samples: samples)
      print(String(format: "\nAccuracy on the %d held-out test digits through the router: %.2f%%", samples.labels.count, accuracy * 100))

      if SentenceSearchRound.available(in: models) {
        print("\nSentence embeddings: all-MiniLM-L6-v2 (int8) embeds four passages, then a question from three cities\n")
        failures += try await SentenceSearchRound.run(cluster: cluster)
      } else {
        print("\n(models/minilm is not installed: `make models` adds a sentence-embedding round)")
      }

      let victim = topology.nodes.first { $0.id == kill }
      print("\nKilling \(kill)\(victim.map { " (\($0.city))" } ?? "") with SIGKILL…")
      cluster.kill(kill)
      print("\nRound 2: the same clients, straight after the kill (the router fails over to the next nearest)\n")
      failures += try await round(cluster: cluster, samples: samples)

      if topology.routers.count > 1 {
        print("\nKilling \(topology.router.id) (\(topology.router.city)) with SIGKILL…")
        cluster.kill(topology.router.id)
        print("\nRound 3: the same clients, whose first router is gone, carry on through \(topology.routers[1].id) (\(topology.routers[1].city))\n")
        failures += try await round(cluster: cluster, samples: samples)
      }
    }
    let left = cluster.runningCount
    print("\nStopped \(cluster.processes.count) processes; \(left) left running.")
    if failures > 0 || left > 0 { throw ExitCode(1) }
  }

  /// One request per client city; returns how many failed.
  private func round(cluster: LocalCluster, samples: DigitsSamples) async throws -> Int {
    var table = TextTable(header: ["client", "router", "node", "region", "distance", "latency", "tries", "prediction", "label"])
    var failures = 0
    try await EdgeInferenceClient.withClient(try cluster.clientConfiguration()) { client in
      for (index, site) in ClusterTopology.clientSites.enumerated() {
        let sample = (index * 37) % samples.inputs.count
        do {
          let result = try await client.infer(
            model: "digits", inputs: [.fp32("pixels", shape: [1, 64], values: samples.inputs[sample])],
            location: site.location)
          let predicted = result.output("class")?.int64s?.first.map(String.init) ?? "?"
          let milliseconds = Double(result.latency.components.seconds) * 1000 + Double(result.latency.components.attoseconds) / 1e15
          table.add([
            site.city, result.router ?? "?", result.node ?? "?", result.region ?? "?",
            result.distanceKilometres.map { "\(Int($0.rounded())) km" } ?? "?",
            String(format: "%.1f ms", milliseconds), result.attempts.map(String.init) ?? "?", predicted,
            String(samples.labels[sample]),
          ])
        } catch {
          failures += 1
          table.add([site.city, "", "FAILED", "\(error)", "", "", "", "", String(samples.labels[sample])])
        }
      }
    }
    print(table.render())
    return failures
  }

  /// Every test digit through the router, in batches of 60.
  private func testSplitAccuracy(cluster: LocalCluster, samples: DigitsSamples) async throws -> Double {
    try await EdgeInferenceClient.withClient(try cluster.clientConfiguration()) { client in
      var correct = 0
      for start in stride(from: 0, to: samples.inputs.count, by: 60) {
        let rows = Array(samples.inputs[start..<min(start + 60, samples.inputs.count)])
        let result = try await client.infer(
          model: "digits", inputs: [.fp32("pixels", shape: [Int64(rows.count), 64], values: rows.flatMap { $0 })],
          outputs: ["class"])
        for (offset, predicted) in (result.output("class")?.int64s ?? []).enumerated()
        where Int(predicted) == samples.labels[start + offset] {
          correct += 1
        }
      }
      return Double(correct) / Double(samples.labels.count)
    }
  }
}
