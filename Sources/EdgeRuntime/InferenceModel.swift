/// A loaded model that runs whole batches. Inputs arrive validated against the model's
/// configuration, in the configuration's input order, with the batch dimension first.
public protocol InferenceModel: Sendable {
  /// Bytes of weights the model holds (mapped or resident).
  var weightByteCount: Int { get }

  /// Runs one batch of `batchSize` rows and returns every output the configuration declares.
  func run(_ inputs: [Tensor], batchSize: Int) throws(InferenceError) -> [Tensor]
}
