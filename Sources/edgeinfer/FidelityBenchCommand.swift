import ArgumentParser
import EdgeProto
import EdgeRuntime
import Foundation

/// How close a bert model's int8 version stays to its fp32 version on texts it was never tuned
/// on, the shortest above all (a single word or "?", where one rounded activation weighs most):
/// every vocabulary entry on its own, a fixed random sample of one- to three-word strings of
/// them, and the project's fixed sentence sets. Prints the minimum cosine and the worst texts.
struct FidelityBenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fidelity",
    abstract: "Cosine of a bert model's int8 vectors against its fp32 ones over the vocabulary, random short strings and fixed sets.")

  @Argument(help: "The model (minilm).") var model: String
  @Option(help: "The model repository.") var models = "models"
  @Option(help: "Random strings of one to three vocabulary words.") var sample = 10_000
  @Option(help: "Seed of the random strings (the default gives the fixed sample).") var seed: UInt64 = 1
  @Option(help: "How many of the worst texts to print.") var worst = 12
  @Option(help: "Threads for both versions.") var threads = 1
  @Option(help: "A file of texts, one per line, to measure instead of the standard sets.") var texts: String?
  @Option(help: "Cap the kernel path (reference, avx2, avx-vnni, avx512-vnni, amx-int8); default: the best the CPU has.")
  var kernelPath: KernelPathOption?

  func run() throws {
    kernelPath?.apply()
    guard sample >= 0, worst >= 0, threads >= 1 else { throw ValidationError("--sample and --worst must not be negative, --threads positive") }
    let repository = ModelRepository(root: models)
    let config = try repository.configuration(of: model)
    var fp32: BertModel?
    var int8: BertModel?
    var vocabularyFile: String?
    for version in repository.availableVersions(of: model, config: config) {
      guard var bert = try LoadedModel.load(model, version: version, config: config, repository: repository).model as? BertModel else { continue }
      bert.threads = threads
      // The oldest of each, as `bench model` takes them.
      if bert.scheme == .f32, fp32 == nil {
        fp32 = bert
        vocabularyFile = "\(models)/\(model)/\(version)/vocab.txt"
      } else if bert.scheme != .f32, int8 == nil {
        int8 = bert
      }
    }
    guard let fp32, let int8, let vocabularyFile else { throw ValidationError("'\(model)' needs an fp32 and an int8 version (make models)") }
    let words = try String(contentsOfFile: vocabularyFile, encoding: .utf8).split(separator: "\n")
      .map { $0.hasPrefix("##") ? String($0.dropFirst(2)) : String($0) }.filter { !$0.isEmpty }
    var generator = SplitMix64(seed: seed)
    let random = (0..<sample).map { _ in
      (0..<Int(generator.next() % 3 + 1)).map { _ in words[Int(generator.next() % UInt64(words.count))] }.joined(separator: " ")
    }
    let sets: [(name: String, texts: [String])] =
      if let texts {
        [(texts, try Self.lines(of: texts))]
      } else {
        [
          ("vocabulary", words), ("random 1-3 words", random), ("bench sentences", BenchSentences.all),
          ("calibration sentences", CalibrationSentences.all),
        ]
      }
    print(CPUDescription.current.summary)
    var all: [(text: String, cosine: Double)] = []
    for set in sets {
      let cosines = EmbeddingComparison.cosines(
        EmbeddingComparison.vectors(of: fp32, texts: set.texts), EmbeddingComparison.vectors(of: int8, texts: set.texts), width: fp32.hidden)
      let below = cosines.filter { $0 < 0.999 }.count
      print(String(
        format: "%-22@ %6d texts: cosine min %.5f, mean %.5f, below 0.999: %d", set.name as NSString, set.texts.count,
        cosines.min() ?? 1, cosines.reduce(0, +) / Double(max(cosines.count, 1)), below))
      all += zip(set.texts, cosines).map { ($0, $1) }
    }
    print(String(format: "all %d texts: cosine min %.5f", all.count, all.map(\.cosine).min() ?? 1))
    for entry in all.sorted(by: { $0.cosine < $1.cosine }).prefix(worst) {
      print(String(format: "  %.5f  %@", entry.cosine, String(reflecting: entry.text) as NSString))
    }
  }

  private static func lines(of path: String) throws -> [String] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
      throw ValidationError("cannot read '\(path)' as UTF-8 text (--texts takes a file of texts, one per line)")
    }
    return text.split(separator: "\n").map(String.init)
  }
}
