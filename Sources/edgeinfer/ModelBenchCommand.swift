import ArgumentParser
import EdgeProto
import EdgeRuntime
import Foundation

struct ModelBenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "model",
    abstract: "Texts per second of a bert model's fp32 and int8 versions and of ONNX Runtime on its ONNX exports.",
    discussion: """
      Same texts, same threads, text in and unit vectors out (tokenization included) for every
      engine, alternating, medians of the repetitions; on short sentences and on passages of
      about 128 and 256 tokens. ONNX Runtime runs in a python3 process (dev/bench-onnxruntime.py;
      needs onnxruntime, tokenizers, numpy) on three files `make models` writes: the published
      int8 export (onnxruntime-int8), the fp32 graph built from model.safetensors
      (onnxruntime-fp32) and its `quantize_dynamic` int8 (onnxruntime-dynamic-int8). Every engine's
      vectors are compared with ours in fp32. Build with -c release.
      """)

  @Argument(help: "The model (minilm).") var model: String
  @Option(help: "The model repository.") var models = "models"
  @Option(help: "Threads for every engine.") var threads = 1
  @Option(help: "Timed repetitions of each engine and batch size (medians are reported).") var repetitions = 5
  @Option(help: "Seconds each timed run lasts at least.") var seconds = 1.0
  @Option(help: "The folder of the ONNX files (minilm-int8.onnx, minilm-fp32.onnx, minilm-dynamic-int8.onnx).") var onnx = ".cache/onnx"
  @Option(help: "The Python that runs ONNX Runtime.") var python = "python3"
  @Option(help: "Text sets to run, comma-separated: short, 128, 256.") var texts = "short,128,256"
  @Option(help: "Cap the kernel path (reference, avx2, avx-vnni, avx512-vnni, amx-int8), to compare paths on one CPU; default: the best the CPU has.")
  var kernelPath: KernelPathOption?
  @Flag(help: "Skip ONNX Runtime.") var withoutOnnxruntime = false
  @Flag(help: "Print a JSON list of rows.") var json = false

  static let batches = [1, 32]
  /// ONNX Runtime's engines and their files in `--onnx`.
  static let onnxEngines = [
    ("onnxruntime-int8", "minilm-int8.onnx"), ("onnxruntime-fp32", "minilm-fp32.onnx"),
    ("onnxruntime-dynamic-int8", "minilm-dynamic-int8.onnx"),
  ]

  struct Row: Encodable {
    var texts: String
    var mean_tokens: Double
    var engine: String
    var batch: Int
    var threads: Int
    var sentences_per_s: Double
    var min: Double
    var max: Double
    /// Against our fp32 on the same texts: the lowest cosine (nil for our fp32 itself).
    var min_cosine: Double?
  }

  func run() throws {
    kernelPath?.apply()
    guard threads >= 1, repetitions >= 1, seconds > 0 else { throw ValidationError("--threads, --repetitions and --seconds must be positive") }
    #if DEBUG
      FileHandle.standardError.write(Data("warning: a debug build; measure with 'swift build -c release'\n".utf8))
    #endif
    let repository = ModelRepository(root: models)
    let config = try repository.configuration(of: model)
    guard config.backend == "bert" else { throw ValidationError("'\(model)' is a \(config.backend) model; bench model runs bert models") }
    KernelThreads.setBLASThreads(threads)

    // Load to first inference, per version, before anything else touches the files.
    var engines: [(name: String, model: BertModel)] = []
    var loadLines: [String] = []
    for version in repository.availableVersions(of: model, config: config) {
      let started = ContinuousClock.now
      let loaded = try LoadedModel.load(model, version: version, config: config, repository: repository)
      guard var bert = loaded.model as? BertModel else { continue }
      bert.threads = threads
      _ = bert.embed(TokenBatch([bert.tokenizer.encode(BenchSentences.all[0], maxTokens: bert.maximumTokens).ids]))
      let elapsed = ContinuousClock.now - started
      let name = bert.scheme == .f32 ? "edgeinfer-fp32" : "edgeinfer-int8"
      guard !engines.contains(where: { $0.name == name }) else { continue }
      engines.append((name, bert))
      loadLines.append(String(format: "%@ (version %d): load to first inference %.1f ms", name, version, Self.milliseconds(elapsed)))
    }
    guard !engines.isEmpty else { throw ValidationError("'\(model)' has no fp32 or w8a8 version") }
    let reference = engines.first { $0.name == "edgeinfer-fp32" }?.model
    let tokenizer = engines[0].model.tokenizer
    let count = { (text: String) in tokenizer.encode(text, maxTokens: 512).ids.count }
    var sets: [(name: String, texts: [String])] = []
    for name in texts.split(separator: ",").map(String.init) {
      switch name {
      case "short": sets.append((name, BenchSentences.all))
      case "128", "256": sets.append((name, BenchSentences.passages(tokens: Int(name)!, measure: count)))
      default: throw ValidationError("--texts takes short, 128 and 256, not '\(name)'")
      }
    }
    let onnxFiles = withoutOnnxruntime ? [] : Self.onnxEngines.filter { FileManager.default.fileExists(atPath: "\(onnx)/\($0.1)") }
    if !withoutOnnxruntime && onnxFiles.count < Self.onnxEngines.count {
      let missing = Self.onnxEngines.filter { engine in !onnxFiles.contains { $0.0 == engine.0 } }.map(\.0)
      FileHandle.standardError.write(Data("warning: \(missing.joined(separator: ", ")) skipped: \(missing.count == 1 ? "its file is" : "their files are") missing from \(onnx) (run 'make models')\n".utf8))
    }
    let tokenizerJSON = "\(models)/\(model)/\(repository.availableVersions(of: model, config: config).first ?? 1)/tokenizer.json"

    var rows: [Row] = []
    var fidelity: [String] = []
    for set in sets {
      let textsFile = FileManager.default.temporaryDirectory.appendingPathComponent("edgeinfer-bench-\(getpid()).json")
      try JSONSerialization.data(withJSONObject: set.texts).write(to: textsFile)
      defer { try? FileManager.default.removeItem(at: textsFile) }
      let tokens = set.texts.map { min(count($0), engines[0].model.maximumTokens) }
      let meanTokens = Double(tokens.reduce(0, +)) / Double(tokens.count)
      let referenceVectors = reference.map { EmbeddingComparison.vectors(of: $0, texts: set.texts) }
      var samples: [String: [Int: [Double]]] = [:]
      var cosines: [String: [Double]] = [:]
      var largestDifference: [String: Float] = [:]
      for repetition in 0..<repetitions {
        for engine in engines {
          Thread.sleep(forTimeInterval: 0.3)  // let the other side's spinning threads settle
          for batch in Self.batches {
            samples[engine.name, default: [:]][batch, default: []].append(rate(of: engine.model, sentences: set.texts, batch: batch))
          }
          if repetition == 0, engine.name != "edgeinfer-fp32", let referenceVectors {
            cosines[engine.name] = EmbeddingComparison.cosines(referenceVectors, EmbeddingComparison.vectors(of: engine.model, texts: set.texts), width: engine.model.hidden)
          }
        }
        for (name, file) in onnxFiles {
          Thread.sleep(forTimeInterval: 0.3)
          let run = try onnxRuntime(file: "\(onnx)/\(file)", texts: textsFile.path, tokenizer: tokenizerJSON, vectors: repetition == 0)
          for (batch, value) in run.rates { samples[name, default: [:]][batch, default: []].append(value) }
          if let vectors = run.vectors, let referenceVectors, vectors.count == referenceVectors.count {
            cosines[name] = EmbeddingComparison.cosines(referenceVectors, vectors, width: engines[0].model.hidden)
            largestDifference[name] = zip(referenceVectors, vectors).map { abs($0 - $1) }.max()
          }
        }
      }
      for name in engines.map(\.name) + onnxFiles.map(\.0) {
        for batch in Self.batches {
          let values = (samples[name]?[batch] ?? []).sorted()
          guard !values.isEmpty else { continue }
          rows.append(Row(
            texts: set.name, mean_tokens: meanTokens, engine: name, batch: batch, threads: threads,
            sentences_per_s: values[values.count / 2], min: values[0], max: values[values.count - 1], min_cosine: cosines[name]?.min()))
        }
        if let cosine = cosines[name] {
          var line = String(format: "%@ texts, %@ against edgeinfer-fp32: cosine min %.5f, mean %.5f", set.name, name, cosine.min()!, cosine.reduce(0, +) / Double(cosine.count))
          if let difference = largestDifference[name] { line += String(format: ", largest |difference| %.2e", difference) }
          fidelity.append(line)
        }
      }
      if !json {
        let texts = set.name == "short" ? "short sentences" : "passages of at most \(set.name) tokens"
        print("\(set.texts.count) \(texts), \(tokens.min()!)–\(tokens.max()!) tokens (mean \(String(format: "%.1f", meanTokens))) measured")
      }
    }
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      print(String(decoding: try encoder.encode(rows), as: UTF8.self))
      return
    }
    print(CPUDescription.current.summary)
    print("\(model): threads \(threads), \(repetitions) repetitions (medians), texts per second")
    for line in loadLines { print(line) }
    for line in fidelity { print(line) }
    for row in rows {
      // Each row against the strongest ONNX Runtime engine of its precision in the same run.
      let peers = row.engine.hasSuffix("fp32") ? ["onnxruntime-fp32"] : ["onnxruntime-int8", "onnxruntime-dynamic-int8"]
      let best = rows.filter { peers.contains($0.engine) && $0.texts == row.texts && $0.batch == row.batch }.max { $0.sentences_per_s < $1.sentences_per_s }
      let ratio = best.map { String(format: "  %.2fx %@", row.sentences_per_s / $0.sentences_per_s, $0.engine as NSString) } ?? ""
      print(String(
        format: "%-5@ (%5.1f tokens) %-24@ batch %-3d %8.1f /s [%7.1f-%7.1f]%@", row.texts as NSString, row.mean_tokens,
        row.engine as NSString, row.batch, row.sentences_per_s, row.min, row.max, ratio as NSString))
    }
  }

  /// Sentences per second over repeated passes through the sentences in batches, for at least
  /// `seconds`: tokenizing, packing, encoding, pooling.
  private func rate(of model: BertModel, sentences: [String], batch: Int) -> Double {
    let groups = stride(from: 0, to: sentences.count, by: batch).map { Array(sentences[$0..<min($0 + batch, sentences.count)]) }
    func embed(_ group: [String]) {
      let batch = TokenBatch(group.map { model.tokenizer.encode($0, maxTokens: model.maximumTokens).ids })
      _ = model.embed(batch)
    }
    embed(groups[0])
    var done = 0
    let started = ContinuousClock.now
    while true {
      for group in groups {
        embed(group)
        done += group.count
      }
      let elapsed = Self.milliseconds(ContinuousClock.now - started) / 1000
      if elapsed >= seconds { return Double(done) / elapsed }
    }
  }

  /// One run of dev/bench-onnxruntime.py: texts per second by batch, and the vectors of every
  /// text when asked.
  private func onnxRuntime(file: String, texts: String, tokenizer: String, vectors: Bool) throws -> (rates: [Int: Double], vectors: [Float]?) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [python, "dev/bench-onnxruntime.py", file, tokenizer, texts, String(threads), String(seconds)]
      + (vectors ? ["--vectors"] : []) + Self.batches.map(String.init)
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0, let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
      let rates = object["rates"] as? [String: Double]
    else {
      throw ValidationError("ONNX Runtime on \(file) failed (exit \(process.terminationStatus)); it needs python3 with onnxruntime, tokenizers and numpy")
    }
    let flat = (object["vectors"] as? [[Double]])?.flatMap { $0.map(Float.init) }
    return (Dictionary(uniqueKeysWithValues: rates.compactMap { key, value in Int(key).map { ($0, value) } }), flat)
  }

  static func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
  }
}
