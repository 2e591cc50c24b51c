#if canImport(Glibc)
  import Glibc
#else
  import Foundation
#endif
public import EdgeProto

/// The dense MLP classifier backend (`backend: "mlp"`).
///
/// Weights: `layers.N.weight` [out, in] and `layers.N.bias` [out] for N = 0, 1, …, F32, in one
/// safetensors file. Hidden layers use the `activation` parameter (relu by default); the last
/// layer feeds a softmax. Outputs, by configuration: an FP32 output of the class count gets the
/// probabilities, an INT64 output of dims [1] gets the most probable class.
public struct MLPModel: InferenceModel {
  let layers: [DenseLayer]
  let activation: Activation
  let outputs: [Inference_ModelOutput]

  public let scheme: QuantizationScheme
  /// Threads each layer's multiply may use.
  public var threads = 1

  public var weightByteCount: Int { layers.reduce(0) { $0 + $1.storedByteCount } }
  public var inputFeatures: Int { layers[0].inFeatures }
  public var classCount: Int { layers[layers.count - 1].outFeatures }

  /// The tensors `edgeinfer quantize` converts: every layer's weight matrix.
  static func isLinearWeight(_ name: String) -> Bool {
    name.hasPrefix("layers.") && name.hasSuffix(".weight")
  }

  public init(file: SafeTensorsFile, config: Inference_ModelConfig) throws(InferenceError) {
    let model = config.name
    func fail(_ reason: String) -> InferenceError { .modelLoadFailed(model: model, reason: reason) }
    let schemeName = file.metadata[QuantizationScheme.metadataKey] ?? "f32"
    guard let scheme = QuantizationScheme(rawValue: schemeName) else {
      throw fail("unknown quantization '\(schemeName)' (known: \(QuantizationScheme.allCases.map(\.rawValue).joined(separator: ", ")))")
    }
    guard config.input.count == 1, TensorDataType(config.input[0].dataType) == .fp32,
      config.input[0].dims.count == 1, let width = config.input[0].dims.first, width > 0
    else {
      throw fail("an MLP takes one FP32 input of dims [features]")
    }
    var layers: [DenseLayer] = []
    do {
      var inFeatures = Int(width)
      while file.tensors["layers.\(layers.count).weight"] != nil {
        let layer = try DenseLayer(file: file, prefix: "layers.\(layers.count)", scheme: scheme, inFeatures: inFeatures)
        layers.append(layer)
        inFeatures = layer.outFeatures
      }
    } catch {
      throw fail(error.description)
    }
    guard !layers.isEmpty else { throw fail("\(file.path) holds no layers.0.weight") }
    let name = config.parameters["activation"]?.stringValue ?? "relu"
    guard let activation = Activation(rawValue: name) else {
      throw fail("activation '\(name)' is not one of relu, tanh, identity")
    }
    let classes = layers[layers.count - 1].outFeatures
    for output in config.output {
      switch (TensorDataType(output.dataType), output.dims) {
      case (.fp32?, [Int64(classes)]), (.int64?, [1]): continue
      default:
        throw fail("output '\(output.name)' must be FP32 [\(classes)] (probabilities) or INT64 [1] (class)")
      }
    }
    self.layers = layers
    self.scheme = scheme
    self.activation = activation
    self.outputs = config.output
  }

  public func run(_ inputs: [Tensor], batchSize: Int) throws(InferenceError) -> ModelOutput {
    guard inputs.count == 1, inputs[0].elementCount == batchSize * inputFeatures else {
      throw .executionFailed("MLP expects one input of \(batchSize) × \(inputFeatures) elements")
    }
    var activations = inputs[0].floats()
    for (index, layer) in layers.enumerated() {
      activations = layer.apply(activations, rows: batchSize, threads: threads)
      if index < layers.count - 1 { activation.apply(&activations) }
    }
    let classes = classCount
    var predicted = [Int64](repeating: 0, count: batchSize)
    for row in 0..<batchSize {
      let range = row * classes..<(row + 1) * classes
      Self.softmax(&activations[range])
      var best = range.lowerBound
      for index in range where activations[index] > activations[best] { best = index }
      predicted[row] = Int64(best - range.lowerBound)
    }
    return ModelOutput(tensors: outputs.map { output in
      TensorDataType(output.dataType) == .int64
        ? Tensor(name: output.name, shape: [batchSize, 1], int64s: predicted)
        : Tensor(name: output.name, shape: [batchSize, classes], floats: activations)
    })
  }

  /// Numerically stable softmax in place.
  static func softmax(_ values: inout ArraySlice<Float>) {
    guard let maximum = values.max() else { return }
    var sum: Float = 0
    for index in values.indices {
      values[index] = (values[index] - maximum).exponential
      sum += values[index]
    }
    for index in values.indices { values[index] /= sum }
  }
}

extension Float {
  fileprivate var exponential: Float {
    #if canImport(Glibc)
      return Glibc.expf(self)
    #else
      return Foundation.expf(self)
    #endif
  }
}
