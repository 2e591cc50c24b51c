/// What a model's run produced for a batch: every output the configuration declares, and
/// anything a client should be told about particular rows.
public struct ModelOutput: Sendable, Equatable {
  public var tensors: [Tensor]
  /// Rows whose input was cut to the model's maximum length (texts past the maximum tokens).
  public var truncatedRows: [Int]

  public init(tensors: [Tensor], truncatedRows: [Int] = []) {
    self.tensors = tensors
    self.truncatedRows = truncatedRows
  }

  /// The output tensor named `name`.
  public subscript(name: String) -> Tensor? {
    tensors.first { $0.name == name }
  }
}
