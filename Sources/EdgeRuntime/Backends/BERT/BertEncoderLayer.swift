/// The weights of one transformer encoder layer in the Hugging Face BERT naming
/// (`encoder.layer.N.…`): self-attention (query, key, value, output) with its LayerNorm, and the
/// feed-forward (intermediate, output) with its LayerNorm.
struct BertEncoderLayer: @unchecked Sendable {
  // @unchecked: inputSmoothing points into the read-only mapping the dense layers keep alive.
  let query: DenseLayer
  let key: DenseLayer
  let value: DenseLayer
  let attentionOutput: DenseLayer
  let attentionNorm: LayerNormWeights
  let intermediate: DenseLayer
  let output: DenseLayer
  let outputNorm: LayerNormWeights
  /// Factors the attention input is multiplied by before Q, K and V quantize it (their weights
  /// hold the inverse), when `edgeinfer quantize` calibrated them: see BertSmoothing.
  let inputSmoothing: UnsafeBufferPointer<Float>?
  /// The same for the feed-forward's input, read by the intermediate layer.
  let feedForwardSmoothing: UnsafeBufferPointer<Float>?

  init(file: SafeTensorsFile, index: Int, hidden: Int, scheme: QuantizationScheme, epsilon: Float) throws(SafeTensorsError) {
    let prefix = "encoder.layer.\(index)"
    func dense(_ name: String, inFeatures: Int, outFeatures: Int) throws(SafeTensorsError) -> DenseLayer {
      let layer = try DenseLayer(file: file, prefix: "\(prefix).\(name)", scheme: scheme, inFeatures: inFeatures)
      guard layer.outFeatures == outFeatures else {
        throw .malformed(path: file.path, reason: "'\(prefix).\(name).weight' has \(layer.outFeatures) rows, expected \(outFeatures)")
      }
      return layer
    }
    query = try dense("attention.self.query", inFeatures: hidden, outFeatures: hidden)
    key = try dense("attention.self.key", inFeatures: hidden, outFeatures: hidden)
    value = try dense("attention.self.value", inFeatures: hidden, outFeatures: hidden)
    func smoothing(_ suffix: String) throws(SafeTensorsError) -> UnsafeBufferPointer<Float>? {
      let name = "\(prefix).\(suffix)"
      guard let info = file.tensors[name] else { return nil }
      guard info.shape == [hidden] else {
        throw .malformed(path: file.path, reason: "'\(name)' must have shape [\(hidden)], has \(info.shape)")
      }
      return try file.floats(of: name)
    }
    inputSmoothing = try smoothing(BertSmoothing.tensorSuffix)
    feedForwardSmoothing = try smoothing(BertSmoothing.feedForwardTensorSuffix)
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
