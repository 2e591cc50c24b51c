/// The weights of one transformer encoder layer in the Hugging Face BERT naming
/// (`encoder.layer.N.…`): self-attention (query, key, value, output) with its LayerNorm, and the
/// feed-forward (intermediate, output) with its LayerNorm.
struct BertEncoderLayer: Sendable {
  let query: DenseLayer
  let key: DenseLayer
  let value: DenseLayer
  let attentionOutput: DenseLayer
  let attentionNorm: LayerNormWeights
  let intermediate: DenseLayer
  let output: DenseLayer
  let outputNorm: LayerNormWeights

  init(file: SafeTensorsFile, index: Int, hidden: Int, scheme: QuantizationScheme, epsilon: Float) throws(SafeTensorsError) {
    let prefix = "encoder.layer.\(index)"
    func dense(_ name: String, inFeatures: Int, outFeatures: Int, passes: Int = 1) throws(SafeTensorsError) -> DenseLayer {
      let layer = try DenseLayer(
        file: file, prefix: "\(prefix).\(name)", scheme: scheme, inFeatures: inFeatures, activationPasses: passes)
      guard layer.outFeatures == outFeatures else {
        throw .malformed(path: file.path, reason: "'\(prefix).\(name).weight' has \(layer.outFeatures) rows, expected \(outFeatures)")
      }
      return layer
    }
    // Attention scores are the most sensitive to the rounding of their input (measured on
    // all-MiniLM-L6-v2: one pass there alone took the minimum cosine to the fp32 model from 0.9992
    // to 0.9988), so Q, K and V quantize it in two passes; they share it, so it is prepared once.
    query = try dense("attention.self.query", inFeatures: hidden, outFeatures: hidden, passes: 2)
    key = try dense("attention.self.key", inFeatures: hidden, outFeatures: hidden, passes: 2)
    value = try dense("attention.self.value", inFeatures: hidden, outFeatures: hidden, passes: 2)
    attentionOutput = try dense("attention.output.dense", inFeatures: hidden, outFeatures: hidden)
    attentionNorm = try LayerNormWeights(file: file, prefix: "\(prefix).attention.output.LayerNorm", width: hidden, epsilon: epsilon)
    let intermediateName = "\(prefix).intermediate.dense.weight"
    guard let intermediateWidth = file.tensors[intermediateName]?.shape.first else {
      throw .missingTensor(path: file.path, name: intermediateName)
    }
    intermediate = try dense("intermediate.dense", inFeatures: hidden, outFeatures: intermediateWidth)
    output = try dense("output.dense", inFeatures: intermediateWidth, outFeatures: hidden)
    outputNorm = try LayerNormWeights(file: file, prefix: "\(prefix).output.LayerNorm", width: hidden, epsilon: epsilon)
  }

  var intermediateWidth: Int { intermediate.outFeatures }

  /// The linear layers, for counting and quantizing.
  var denseLayers: [DenseLayer] { [query, key, value, attentionOutput, intermediate, output] }
}
