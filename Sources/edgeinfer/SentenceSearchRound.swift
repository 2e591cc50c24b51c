import ArgumentParser
import EdgeClient
import EdgeCluster
import EdgeServer
import Foundation

/// The demo's transformer round: a few passages embedded by `minilm` in one batch through the
/// router, then a question from each of three cities embedded and answered with the nearest
/// passage by cosine similarity (the vectors are unit length, so the dot product).
struct SentenceSearchRound {
  static let passages = [
    "Trains to the airport leave every fifteen minutes from platform four.",
    "The museum is closed on Mondays and open late on Fridays.",
    "Our bakery sells fresh bread and croissants from seven in the morning.",
    "Heavy snow is expected in the mountains this weekend.",
  ]
  static let questions = [
    ("London", "How do I get to the airport by rail?"),
    ("Boston", "When can I buy a croissant?"),
    ("Seoul", "What will the weather be like on Saturday?"),
  ]

  /// Whether the repository has the model (`make models` installs it).
  static func available(in repository: String) -> Bool {
    FileManager.default.fileExists(atPath: "\(repository)/minilm/config.pbtxt")
  }

  /// Prints the round's table; returns how many requests failed.
  static func run(cluster: LocalCluster) async throws -> Int {
    var table = TextTable(header: ["client", "node", "question", "nearest passage", "cosine", "latency"])
    var failures = 0
    try await EdgeInferenceClient.withClient(try cluster.clientConfiguration()) { client in
      let corpus = try await client.infer(model: "minilm", inputs: [.texts("text", passages)])
      guard let vectors = corpus.output("embedding")?.floats, vectors.count % passages.count == 0 else {
        throw ValidationError("minilm returned no embeddings")
      }
      let width = vectors.count / passages.count
      for (city, question) in questions {
        guard let site = ClusterTopology.clientSites.first(where: { $0.city == city }) else { continue }
        do {
          let result = try await client.infer(model: "minilm", inputs: [.texts("text", [question])], location: site.location)
          let query = result.output("embedding")?.floats ?? []
          let scores = (0..<passages.count).map { row in
            zip(query, vectors[row * width..<(row + 1) * width]).reduce(0) { $0 + $1.0 * $1.1 }
          }
          let best = scores.indices.max { scores[$0] < scores[$1] }!
          let milliseconds = Double(result.latency.components.seconds) * 1000 + Double(result.latency.components.attoseconds) / 1e15
          table.add([
            city, result.node ?? "?", question, passages[best], String(format: "%.3f", scores[best]),
            String(format: "%.1f ms", milliseconds),
          ])
        } catch {
          failures += 1
          table.add([city, "FAILED", question, "\(error)", "", ""])
        }
      }
    }
    print(table.render())
    return failures
  }
}
