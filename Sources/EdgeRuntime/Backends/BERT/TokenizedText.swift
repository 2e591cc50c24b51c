/// One text as the encoder takes it: `[CLS]`, word pieces, `[SEP]`.
public struct TokenizedText: Sendable, Equatable {
  public var ids: [Int32]
  /// Word pieces were dropped to fit the maximum length.
  public var truncated: Bool
}
