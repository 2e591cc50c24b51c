import ArgumentParser
import EdgeProto
import EdgeRuntime
import Foundation

struct ModelBenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "model",
    abstract: "Sentences per second of a bert model's fp32 and int8 versions and of ONNX Runtime on its int8 export.",
    discussion: """
      Same sentences, same threads, text in and unit vectors out (tokenization included) for every
      engine, alternating, medians of the repetitions. ONNX Runtime runs in a python3 process
      (dev/bench-onnxruntime.py; needs onnxruntime, tokenizers, numpy). Install the model and
      the ONNX file with `make models`; build with -c release.
      """)

  @Argument(help: "The model (minilm).") var model: String
  @Option(help: "The model repository.") var models = "models"
  @Option(help: "Threads for every engine.") var threads = 1
  @Option(help: "Timed repetitions of each engine and batch size (medians are reported).") var repetitions = 5
  @Option(help: "Seconds each timed run lasts at least.") var seconds = 1.0
  @Option(help: "The int8 ONNX model for the ONNX Runtime baseline.") var onnx = ".cache/onnx/minilm-int8.onnx"
  @Option(help: "The Python that runs the baseline.") var python = "python3"
  @Option(help: "Cap the kernel path (reference, avx2, avx512-vnni), to compare paths on one CPU; default: the best the CPU has.")
  var kernelPath: KernelPathOption?
  @Flag(help: "Skip ONNX Runtime.") var withoutOnnxruntime = false
  @Flag(help: "Print a JSON list of rows.") var json = false

  static let batches = [1, 32]

  struct Row: Encodable {
    var engine: String
    var batch: Int
    var threads: Int
    var sentences_per_s: Double
    var min: Double
    var max: Double
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
    let sentences = BenchSentences.all
    KernelThreads.setBLASThreads(threads)

    // Load to first inference, per version, before anything else touches the files.
    var engines: [(name: String, model: BertModel)] = []
    var loadLines: [String] = []
    for version in repository.availableVersions(of: model, config: config) {
      let started = ContinuousClock.now
      let loaded = try LoadedModel.load(model, version: version, config: config, repository: repository)
      guard var bert = loaded.model as? BertModel else { continue }
      bert.threads = threads
      _ = bert.embed(TokenBatch([bert.tokenizer.encode(sentences[0], maxTokens: bert.maximumTokens).ids]))
      let elapsed = ContinuousClock.now - started
      let name = bert.scheme == .f32 ? "edgeinfer-fp32" : "edgeinfer-int8"
      guard !engines.contains(where: { $0.name == name }) else { continue }
      engines.append((name, bert))
      loadLines.append(String(format: "%@ (version %d): load to first inference %.1f ms", name, version, Self.milliseconds(elapsed)))
    }
    guard !engines.isEmpty else { throw ValidationError("'\(model)' has no fp32 or w8a8 version") }

    let sentencesFile = FileManager.default.temporaryDirectory.appendingPathComponent("edgeinfer-bench-\(getpid()).json")
    try JSONSerialization.data(withJSONObject: sentences).write(to: sentencesFile)
    defer { try? FileManager.default.removeItem(at: sentencesFile) }
    let tokenizerJSON = "\(models)/\(model)/\(repository.availableVersions(of: model, config: config).first ?? 1)/tokenizer.json"

    var samples: [String: [Int: [Double]]] = [:]
    for _ in 0..<repetitions {
      for engine in engines {
        Thread.sleep(forTimeInterval: 0.3)  // let the other side's spinning threads settle
        for batch in Self.batches {
          samples[engine.name, default: [:]][batch, default: []].append(rate(of: engine.model, sentences: sentences, batch: batch))
        }
      }
      if !withoutOnnxruntime {
        Thread.sleep(forTimeInterval: 0.3)
        let rates = try onnxRuntimeRates(sentencesFile: sentencesFile.path, tokenizer: tokenizerJSON)
        for (batch, value) in rates { samples["onnxruntime-int8", default: [:]][batch, default: []].append(value) }
      }
    }

    var rows: [Row] = []
    for name in engines.map(\.name) + (withoutOnnxruntime ? [] : ["onnxruntime-int8"]) {
      for batch in Self.batches {
        let values = (samples[name]?[batch] ?? []).sorted()
        guard !values.isEmpty else { continue }
        rows.append(Row(engine: name, batch: batch, threads: threads, sentences_per_s: values[values.count / 2], min: values[0], max: values[values.count - 1]))
      }
    }
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      print(String(decoding: try encoder.encode(rows), as: UTF8.self))
      return
    }
    let tokens = sentences.map { engines[0].model.tokenizer.encode($0, maxTokens: 256).ids.count }
    print(CPUDescription.current.summary)
    print("\(model): \(sentences.count) sentences, \(tokens.min()!)–\(tokens.max()!) tokens (mean \(String(format: "%.1f", Double(tokens.reduce(0, +)) / Double(tokens.count)))), threads \(threads), \(repetitions) repetitions (medians)")
    for line in loadLines { print(line) }
    if let fp32 = engines.first(where: { $0.name == "edgeinfer-fp32" })?.model, let int8 = engines.first(where: { $0.name == "edgeinfer-int8" })?.model {
      let cosines = Self.cosines(fp32: fp32, int8: int8, sentences: sentences)
      print(String(format: "int8 against fp32 on these sentences: cosine min %.5f, mean %.5f", cosines.min()!, cosines.reduce(0, +) / Double(cosines.count)))
    }
    for row in rows {
      let baseline = rows.first { $0.engine == "onnxruntime-int8" && $0.batch == row.batch }?.sentences_per_s
      let ratio = baseline.map { String(format: "  %.2fx onnxruntime-int8", row.sentences_per_s / $0) } ?? ""
      print(String(format: "%-18@ batch %-3d %8.1f sentences/s [%7.1f-%7.1f]%@", row.engine as NSString, row.batch, row.sentences_per_s, row.min, row.max, ratio as NSString))
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

  private func onnxRuntimeRates(sentencesFile: String, tokenizer: String) throws -> [Int: Double] {
    guard FileManager.default.fileExists(atPath: onnx) else {
      throw ValidationError("\(onnx) is missing: run 'make models' (or pass --without-onnxruntime)")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [python, "dev/bench-onnxruntime.py", onnx, tokenizer, sentencesFile, String(threads), String(seconds)]
      + Self.batches.map(String.init)
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0, let object = try? JSONSerialization.jsonObject(with: data) as? [String: Double] else {
      throw ValidationError("the ONNX Runtime baseline failed (exit \(process.terminationStatus)); it needs python3 with onnxruntime, tokenizers and numpy")
    }
    return Dictionary(uniqueKeysWithValues: object.compactMap { key, value in Int(key).map { ($0, value) } })
  }

  private static func cosines(fp32: BertModel, int8: BertModel, sentences: [String]) -> [Double] {
    let batch = TokenBatch(sentences.map { fp32.tokenizer.encode($0, maxTokens: fp32.maximumTokens).ids })
    let a = fp32.embed(batch), b = int8.embed(batch)
    let width = fp32.hidden
    return (0..<sentences.count).map { row in
      var dot = 0.0, na = 0.0, nb = 0.0
      for column in row * width..<(row + 1) * width {
        dot += Double(a[column]) * Double(b[column])
        na += Double(a[column]) * Double(a[column])
        nb += Double(b[column]) * Double(b[column])
      }
      return dot / (na.squareRoot() * nb.squareRoot())
    }
  }

  static func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
  }
}
