/// A request that matches its model's configuration, ready to batch and execute.
public struct ValidatedInferRequest: Sendable {
  /// Rows in the batch dimension; 1 for models without one (max_batch_size 0).
  public var batchSize: Int
  /// Inputs in the configuration's order, in raw little-endian form.
  public var inputs: [Tensor]
  /// Outputs to return, in the order asked for (every output when none were named).
  public var outputNames: [String]
}
