@testable import EdgeRuntime
import EdgeTestSupport
import Foundation
import Testing

/// The bert backend on a small random encoder (hidden 64, 4 heads, 2 layers) written in the
/// Hugging Face naming: packing, pooling, quantization, truncation and bad texts. The real
/// all-MiniLM-L6-v2 is compared with an independent numpy forward pass by
/// Tests/interop/test_minilm.py.
struct BertModelTests {
  static let hidden = 64, intermediate = 128, layers = 2

  static func config(maxTokens: Int = 8, outputWidth: Int = hidden) -> String {
    """
    name: "tiny"
    backend: "bert"
    max_batch_size: 8
    input [ { name: "text" data_type: TYPE_STRING dims: [ 1 ] } ]
    output [ { name: "embedding" data_type: TYPE_FP32 dims: [ \(outputWidth) ] } ]
    version_policy: { all { } }
    parameters { key: "num_attention_heads" value { string_value: "4" } }
    parameters { key: "max_sequence_length" value { string_value: "\(maxTokens)" } }
    """
  }

  static func repository(config: String = config()) throws -> TemporaryDirectory {
    let folder = try TemporaryDirectory()
    var numbers = KernelTests.Numbers(state: 42)
    func random(_ count: Int, scale: Float) -> [Float] { (0..<count).map { _ in numbers.float() * scale } }
    var writer = SafeTensorsWriter()
    let h = hidden
    writer.entries.append(.f32("embeddings.word_embeddings.weight", shape: [BertTokenizerTests.vocabulary.count, h], values: random(BertTokenizerTests.vocabulary.count * h, scale: 1)))
    writer.entries.append(.f32("embeddings.position_embeddings.weight", shape: [16, h], values: random(16 * h, scale: 0.3)))
    writer.entries.append(.f32("embeddings.token_type_embeddings.weight", shape: [2, h], values: random(2 * h, scale: 0.1)))
    func norm(_ prefix: String) {
      writer.entries.append(.f32("\(prefix).weight", shape: [h], values: random(h, scale: 0.2).map { $0 + 1 }))
      writer.entries.append(.f32("\(prefix).bias", shape: [h], values: random(h, scale: 0.1)))
    }
    func dense(_ prefix: String, _ out: Int, _ input: Int) {
      writer.entries.append(.f32("\(prefix).weight", shape: [out, input], values: random(out * input, scale: 1 / Float(input).squareRoot())))
      writer.entries.append(.f32("\(prefix).bias", shape: [out], values: random(out, scale: 0.1)))
    }
    norm("embeddings.LayerNorm")
    for layer in 0..<layers {
      let p = "encoder.layer.\(layer)"
      for part in ["query", "key", "value"] { dense("\(p).attention.self.\(part)", h, h) }
      dense("\(p).attention.output.dense", h, h)
      norm("\(p).attention.output.LayerNorm")
      dense("\(p).intermediate.dense", intermediate, h)
      dense("\(p).output.dense", h, intermediate)
      norm("\(p).output.LayerNorm")
    }
    try writer.write(to: "\(folder.path)/tiny/1/model.safetensors")
    try folder.write(BertTokenizerTests.vocabulary.joined(separator: "\n"), to: "tiny/1/vocab.txt")
    try folder.write(config, to: "tiny/config.pbtxt")
    return folder
  }

  static func model(_ folder: TemporaryDirectory, version: Int = 1) throws -> BertModel {
    let repository = ModelRepository(root: folder.path)
    let loaded = try LoadedModel.load("tiny", version: version, config: try repository.configuration(of: "tiny"), repository: repository)
    return try #require(loaded.model as? BertModel)
  }

  static func texts(_ texts: [[UInt8]]) -> Tensor {
    Tensor(name: "text", dataType: .bytes, shape: [texts.count, 1], data: BytesTensorCodec.encode(texts))
  }

  static let sentences = ["the cafe", "hello , world !", "unaffable", "东京 runs the cafe"]

  @Test func anEmbeddingDoesNotDependOnItsBatch() throws {
    let folder = try Self.repository()
    let model = try Self.model(folder)
    let together = try model.run([Self.texts(Self.sentences.map { Array($0.utf8) })], batchSize: Self.sentences.count)
    let all = together.tensors[0].floats()
    #expect(together.tensors[0].shape == [4, Self.hidden])
    for (row, sentence) in Self.sentences.enumerated() {
      let alone = try model.run([Self.texts([Array(sentence.utf8)])], batchSize: 1).tensors[0].floats()
      // Packed rows never mix, but OpenBLAS picks its blocking by the row count, so the sums
      // may round differently in the last bit.
      for (single, batched) in zip(alone, all[row * Self.hidden..<(row + 1) * Self.hidden]) {
        #expect(abs(single - batched) < 1e-6)
      }
      let norm = alone.reduce(0) { $0 + $1 * $1 }.squareRoot()
      #expect(abs(norm - 1) < 1e-5)
    }
  }

  @Test func groupsOfTokensGiveTheWholeBatchsEmbeddings() throws {
    let folder = try Self.repository()
    let model = try Self.model(folder)
    let tokenizer = model.tokenizer
    let batch = TokenBatch(Self.sentences.map { tokenizer.encode($0, maxTokens: 8).ids })
    let whole = model.encoder.embed(batch, groupTokens: .max)
    // Groups of one sentence each, and of two short ones.
    for limit in [1, 9] {
      #expect(BertEncoder.groups(of: batch, tokens: limit).count > 1)
      let grouped = model.encoder.embed(batch, groupTokens: limit)
      #expect(grouped.count == whole.count)
      // OpenBLAS picks its blocking by the row count, so fp32 sums may differ in the last bit.
      #expect(zip(grouped, whole).map { abs($0 - $1) }.max()! < 1e-6)
    }
  }

  @Test func theInt8VersionStaysCloseToFP32() throws {
    let folder = try Self.repository()
    let repository = ModelRepository(root: folder.path)
    let result = try ModelQuantizer(repository: repository).quantize(model: "tiny", scheme: .w8a8)
    #expect(result.version == 2)
    #expect(FileManager.default.fileExists(atPath: "\(folder.path)/tiny/2/vocab.txt"))
    let file = try SafeTensorsFile(path: "\(folder.path)/tiny/2/model.safetensors")
    for layer in 0..<Self.layers {
      #expect(file.tensors["encoder.layer.\(layer).attention.self.input_smoothing"]?.shape == [Self.hidden])
      #expect(file.tensors["encoder.layer.\(layer).intermediate.input_smoothing"]?.shape == [Self.hidden])
    }
    let fp32 = try Self.model(folder, version: 1), int8 = try Self.model(folder, version: 2)
    #expect(int8.scheme == .w8a8)
    #expect(int8.weightByteCount < fp32.weightByteCount)
    let input = [Self.texts(Self.sentences.map { Array($0.utf8) })]
    let a = try fp32.run(input, batchSize: 4).tensors[0].floats(), b = try int8.run(input, batchSize: 4).tensors[0].floats()
    for row in 0..<4 {
      let range = row * Self.hidden..<(row + 1) * Self.hidden
      let cosine = zip(a[range], b[range]).reduce(0) { $0 + $1.0 * $1.1 }
      #expect(cosine > 0.999, "row \(row): cosine \(cosine)")
    }
  }

  @Test func layersKeptInFullPrecisionStayFP32AndTheModelRunsWithThem() throws {
    let folder = try Self.repository()
    let quantizer = ModelQuantizer(repository: ModelRepository(root: folder.path))
    #expect(throws: InferenceError.self) { try quantizer.quantize(model: "tiny", scheme: .w8a8, keepingFullPrecision: ["encoder.layer.0.no.such"]) }
    // Q alone kept: Q, K and V then prepare their input each their own way.
    let kept: Set = ["encoder.layer.0.attention.self.query", "encoder.layer.0.intermediate.dense"]
    _ = try quantizer.quantize(model: "tiny", scheme: .w8a8, keepingFullPrecision: kept)
    let file = try SafeTensorsFile(path: "\(folder.path)/tiny/2/model.safetensors")
    for name in kept {
      #expect(file.tensors[name + ".weight"]?.dtype == "F32")
      #expect(file.tensors[name + ".weight_scale"] == nil)
    }
    #expect(file.tensors["encoder.layer.0.attention.self.key.weight"]?.dtype == "I8")
    let fp32 = try Self.model(folder, version: 1), mixed = try Self.model(folder, version: 2)
    let input = [Self.texts(Self.sentences.map { Array($0.utf8) })]
    let a = try fp32.run(input, batchSize: 4).tensors[0].floats(), b = try mixed.run(input, batchSize: 4).tensors[0].floats()
    for row in 0..<4 {
      let range = row * Self.hidden..<(row + 1) * Self.hidden
      #expect(zip(a[range], b[range]).reduce(0) { $0 + $1.0 * $1.1 } > 0.999)
    }
  }

  @Test func theBertBackendRefusesSchemesWithoutABatchedKernel() throws {
    let folder = try Self.repository()
    #expect(throws: InferenceError.self) { try ModelQuantizer(repository: ModelRepository(root: folder.path)).quantize(model: "tiny", scheme: .q4) }
  }

  @Test func longTextsAreTruncatedAndReported() throws {
    let model = try Self.model(try Self.repository())
    let output = try model.run([Self.texts([Array("the cafe".utf8), Array("the cafe the cafe the cafe the cafe".utf8)])], batchSize: 2)
    #expect(output.truncatedRows == [1])
  }

  @Test(arguments: [
    ([UInt8](), "is empty"), ([0x63, 0x61, 0xC3], "not valid UTF-8"), ([0xFF, 0x20], "not valid UTF-8"),
  ])
  func badTextsAreRefusedByTheCheck(_ text: [UInt8], _ message: String) throws {
    let model = try Self.model(try Self.repository())
    let input = [Self.texts([Array("the cafe".utf8), text])]
    #expect {
      try model.check(input, batchSize: 2)
    } throws: { error in
      guard case InferenceError.invalidRequest(let reason) = error else { return false }
      return reason.contains(message) && reason.contains("text 1")
    }
  }

  @Test func aConfigurationThatDoesNotFitTheWeightsIsRefused() throws {
    let folder = try Self.repository(config: Self.config(outputWidth: 32))
    #expect(throws: InferenceError.self) { try Self.model(folder) }
    let tooLong = try Self.repository(config: Self.config(maxTokens: 17))
    #expect(throws: InferenceError.self) { try Self.model(tooLong) }
  }
}

/// The smoothing factors' arithmetic (BertSmoothing is exercised end to end by the quantizer
/// test above).
struct BertSmoothingTests {
  @Test func factorsMoveTheInputRangeIntoTheWeights() {
    let factors = BertSmoothing.factors(inputMaxima: [8, 1, 0, 2], weightMaxima: [0.5, 1, 1, 0])
    let alpha = Double(BertSmoothing.migration)
    #expect(abs(Double(factors[0]) - pow(8, alpha) / pow(0.5, 1 - alpha)) < 1e-4)
    #expect(factors[1] == 1)  // equal ranges: nothing moves
    #expect(factors[2] == 1)  // a channel never seen
    #expect(factors[3] == 1)  // a channel no weight reads
    // After smoothing, the largest input of channel 0 shrinks by its factor.
    #expect(8 / factors[0] < 8)
  }
}

/// How a batch is cut into per-thread parts: every sentence once, in order, parts about equal in
/// tokens, and no cut when the work is too small.
struct TokenBatchPartsTests {
  static func batch(_ lengths: [Int]) -> TokenBatch {
    TokenBatch(lengths.enumerated().map { index, length in [Int32](repeating: Int32(index), count: length) })
  }

  @Test(arguments: [[14, 9, 20, 11, 16, 8, 19, 12], [300, 2, 2, 2], [5, 5], [7]])
  func partsKeepEverySentenceInOrder(_ lengths: [Int]) {
    let batch = Self.batch(lengths.map { $0 * 40 })  // enough tokens to be worth two threads at width 384
    for threads in 1...4 {
      let parts = BertEncoder.parts(of: batch, width: 384, threads: threads)
      #expect(parts.count <= min(threads, lengths.count))
      #expect(parts.flatMap(\.lengths) == batch.lengths)
      #expect(parts.flatMap(\.ids) == batch.ids)
      #expect(parts.allSatisfy { $0.count > 0 })
    }
    let two = BertEncoder.parts(of: Self.batch([10, 10, 10, 10].map { $0 * 40 }), width: 384, threads: 2)
    #expect(two.map(\.tokenCount) == [800, 800])
  }

  @Test(arguments: [1, 10, 25, 1000])
  func groupsKeepEverySentenceInOrderWithinTheirLimit(_ limit: Int) {
    let batch = Self.batch([14, 9, 20, 11, 16, 8, 19, 12])
    let groups = BertEncoder.groups(of: batch, tokens: limit)
    #expect(groups.flatMap(\.lengths) == batch.lengths)
    #expect(groups.flatMap(\.ids) == batch.ids)
    #expect(groups.allSatisfy { $0.count == 1 || $0.tokenCount <= limit })
    // Greedy: no group could have taken the next one's first sentence.
    for (group, next) in zip(groups, groups.dropFirst()) { #expect(group.tokenCount + next.lengths[0] > limit) }
    if limit >= batch.tokenCount { #expect(groups.count == 1) }
  }

  @Test func smallBatchesStayWhole() {
    let batch = Self.batch([14, 9, 20])
    #expect(BertEncoder.parts(of: batch, width: 384, threads: 2).count == 1)
  }
}
