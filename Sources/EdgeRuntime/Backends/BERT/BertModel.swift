import Foundation
public import EdgeProto

/// The sentence-embedding backend (`backend: "bert"`): BERT WordPiece tokenizer, encoder, mean
/// pooling and L2 normalisation (all-MiniLM-L6-v2 and its relatives).
///
/// A version folder holds `model.safetensors` in the Hugging Face BertModel naming (fp32, or
/// with its linear layers quantized by `edgeinfer quantize`; metadata `quantization`) and
/// `vocab.txt`. The configuration declares one BYTES input [1] (a UTF-8 text per row) and one
/// FP32 output [hidden]. Parameters (config.pbtxt `parameters`, all optional):
/// `num_attention_heads` (12), `max_sequence_length` (256 tokens with [CLS] and [SEP]; longer
/// texts are truncated and reported), `layer_norm_eps` (1e-12), `vocabulary` (`vocab.txt`).
public struct BertModel: InferenceModel {
  public let tokenizer: BertTokenizer
  let encoder: BertEncoder
  let outputName: String
  public let maximumTokens: Int
  /// Threads each multiply and the attention may use.
  public var threads = 1

  public var scheme: QuantizationScheme { encoder.scheme }
  public var hidden: Int { encoder.hidden }
  public var weightByteCount: Int { encoder.storedByteCount }

  /// Schemes with a batched kernel: the encoder multiplies whole batches of tokens.
  public static let runnableSchemes: Set<QuantizationScheme> = [.f32, .w8a8]

  /// The tensors `edgeinfer quantize` converts: the six linear layers of every encoder layer
  /// (the embedding tables, LayerNorms and the unused pooler stay fp32).
  static func isLinearWeight(_ name: String) -> Bool {
    name.hasPrefix("encoder.layer.") && name.hasSuffix(".weight") && !name.hasSuffix("LayerNorm.weight")
  }

  public init(file: SafeTensorsFile, directory: String, config: Inference_ModelConfig) throws(InferenceError) {
    let model = config.name
    func fail(_ reason: String) -> InferenceError { .modelLoadFailed(model: model, reason: reason) }
    let schemeName = file.metadata[QuantizationScheme.metadataKey] ?? "f32"
    guard let scheme = QuantizationScheme(rawValue: schemeName), Self.runnableSchemes.contains(scheme) else {
      throw fail("quantization '\(schemeName)' is not one the bert backend runs (f32, w8a8)")
    }
    func parameter(_ key: String, default value: Int) throws(InferenceError) -> Int {
      guard let text = config.parameters[key]?.stringValue else { return value }
      guard let number = Int(text), number > 0 else { throw fail("parameter \(key) must be a positive integer, is '\(text)'") }
      return number
    }
    let heads = try parameter("num_attention_heads", default: 12)
    let maximumTokens = try parameter("max_sequence_length", default: 256)
    var epsilon: Float = 1e-12
    if let text = config.parameters["layer_norm_eps"]?.stringValue {
      guard let value = Float(text), value > 0 else { throw fail("parameter layer_norm_eps must be a positive number, is '\(text)'") }
      epsilon = value
    }
    let vocabularyName = config.parameters["vocabulary"]?.stringValue ?? "vocab.txt"
    guard ModelRepository.isSafeName(vocabularyName) else { throw fail("parameter vocabulary must be a file name, is '\(vocabularyName)'") }
    let encoder: BertEncoder
    do {
      encoder = try BertEncoder(file: file, heads: heads, scheme: scheme, epsilon: epsilon)
    } catch {
      throw fail(error.description)
    }
    let tokenizer: BertTokenizer
    do {
      tokenizer = try BertTokenizer(vocabularyFile: "\(directory)/\(vocabularyName)")
    } catch {
      throw fail(error.description)
    }
    guard tokenizer.vocabularySize == encoder.embeddings.vocabularySize else {
      throw fail("\(vocabularyName) has \(tokenizer.vocabularySize) tokens but the embeddings \(encoder.embeddings.vocabularySize)")
    }
    guard maximumTokens >= 2, maximumTokens <= encoder.embeddings.maximumPositions else {
      throw fail("max_sequence_length \(maximumTokens) must lie in 2...\(encoder.embeddings.maximumPositions) (the position table)")
    }
    guard config.input.count == 1, TensorDataType(config.input[0].dataType) == .bytes, config.input[0].dims == [1] else {
      throw fail("a bert model takes one TYPE_STRING input of dims [1] (one text per row)")
    }
    guard config.output.count == 1, TensorDataType(config.output[0].dataType) == .fp32,
      config.output[0].dims == [Int64(encoder.hidden)]
    else {
      throw fail("a bert model has one TYPE_FP32 output of dims [\(encoder.hidden)]")
    }
    self.encoder = encoder
    self.tokenizer = tokenizer
    self.maximumTokens = maximumTokens
    self.outputName = config.output[0].name
  }

  /// Texts must be non-empty UTF-8; refused before the request is queued, so a bad row never
  /// costs the other requests of a batch anything.
  public func check(_ inputs: [Tensor], batchSize: Int) throws(InferenceError) {
    _ = try Self.texts(of: inputs, batchSize: batchSize)
  }

  public func run(_ inputs: [Tensor], batchSize: Int) throws(InferenceError) -> ModelOutput {
    let texts = try Self.texts(of: inputs, batchSize: batchSize)
    let tokenized = texts.map { tokenizer.encode($0, maxTokens: maximumTokens) }
    let embeddings = encoder.embed(TokenBatch(tokenized.map(\.ids)), threads: threads)
    return ModelOutput(
      tensors: [Tensor(name: outputName, shape: [batchSize, hidden], floats: embeddings)],
      truncatedRows: tokenized.indices.filter { tokenized[$0].truncated })
  }

  /// Unit-length embeddings of already tokenized texts ([CLS] … [SEP] ids), [count × hidden].
  public func embed(_ batch: TokenBatch) -> [Float] {
    encoder.embed(batch, threads: threads)
  }

  /// The largest magnitude of each channel of every encoder layer's input over `texts`.
  func layerInputMaxima(of texts: [String]) -> [BertEncoder.QuantizedInput: [[Float]]] {
    encoder.layerInputMaxima(TokenBatch(texts.map { tokenizer.encode($0, maxTokens: maximumTokens).ids }))
  }

  /// The batch's texts, refused unless one BYTES input of non-empty UTF-8 texts; what a node
  /// checks before queueing, with or without the weights (ConfiguredModel).
  static func texts(of inputs: [Tensor], batchSize: Int) throws(InferenceError) -> [String] {
    guard inputs.count == 1, inputs[0].dataType == .bytes else {
      throw .invalidRequest("a bert model takes one BYTES input of texts")
    }
    guard batchSize > 0 else { throw .invalidRequest("the batch holds no texts") }
    let elements = try BytesTensorCodec.decode(inputs[0].data, count: batchSize, maxElementLength: Int(UInt32.max))
    var texts: [String] = []
    texts.reserveCapacity(batchSize)
    for (row, bytes) in elements.enumerated() {
      guard !bytes.isEmpty else { throw .invalidRequest("text \(row) of input '\(inputs[0].name)' is empty") }
      guard let text = String(validating: bytes, as: UTF8.self) else {
        throw .invalidRequest("text \(row) of input '\(inputs[0].name)' is not valid UTF-8")
      }
      texts.append(text)
    }
    return texts
  }
}
