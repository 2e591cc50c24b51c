/// A batch of tokenized texts packed back to back, without padding: sentence s holds tokens
/// offsets[s] ..< offsets[s] + lengths[s] of `ids`.
///
/// Every step of the encoder except attention works token by token, so padding would only add
/// rows to every multiply; attention runs per sentence over its own tokens, which is what the
/// padding mask computes in a padded batch (a masked key gets a softmax weight of exactly 0 in
/// fp32), so the results are those of the padded batch.
public struct TokenBatch: Sendable, Equatable {
  public private(set) var ids: [Int32] = []
  public private(set) var offsets: [Int] = []
  public private(set) var lengths: [Int] = []

  public init() {}

  public init(_ sentences: [[Int32]]) {
    for sentence in sentences { append(sentence) }
  }

  public mutating func append(_ sentence: [Int32]) {
    offsets.append(ids.count)
    lengths.append(sentence.count)
    ids += sentence
  }

  public var count: Int { lengths.count }
  public var tokenCount: Int { ids.count }
  public var longest: Int { lengths.max() ?? 0 }
}
