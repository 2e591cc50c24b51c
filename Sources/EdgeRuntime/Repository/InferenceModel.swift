/// A loaded model that runs whole batches. Inputs arrive validated against the model's
/// configuration, in the configuration's input order, with the batch dimension first.
public protocol InferenceModel: Sendable {
  /// Bytes of weights the model holds (mapped or resident).
  var weightByteCount: Int { get }

  /// Refuses inputs the configuration's shapes and types cannot rule out (a text that is not
  /// UTF-8), before the request is queued or batched with others.
  func check(_ inputs: [Tensor], batchSize: Int) throws(InferenceError)

  /// Runs one batch of `batchSize` rows and returns every output the configuration declares.
  func run(_ inputs: [Tensor], batchSize: Int) throws(InferenceError) -> ModelOutput
}

extension InferenceModel {
  public func check(_ inputs: [Tensor], batchSize: Int) throws(InferenceError) {}
}
