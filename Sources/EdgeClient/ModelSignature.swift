/// What a model takes and returns.
public struct ModelSignature: Sendable, Equatable {
  public struct TensorSpec: Sendable, Equatable {
    public var name: String
    public var datatype: String
    /// -1 marks a variable dimension (the batch dimension of batched models).
    public var shape: [Int64]
  }

  public var name: String
  public var versions: [String]
  public var inputs: [TensorSpec]
  public var outputs: [TensorSpec]
}
