public import Foundation

/// BERT's WordPiece tokenizer over a `vocab.txt` (one token per line, the line number its id),
/// uncased, with the reference `tokenizers` package's rules (see BertTextNormalizer): each word
/// is split greedily into the longest vocabulary entries, continuations prefixed `##`; a word
/// that cannot be split, or is longer than 100 characters, becomes `[UNK]`.
public struct BertTokenizer: Sendable {
  /// Vocabulary entries keyed by their UTF-8 bytes (not `String`, whose equality is
  /// canonical equivalence; see BertTextNormalizer).
  private let vocabulary: [[UInt8]: Int32]
  public let vocabularySize: Int
  public let classifierID: Int32
  public let separatorID: Int32
  public let unknownID: Int32
  public let paddingID: Int32
  static let maximumWordLength = 100

  public init(vocabularyFile path: String) throws(InferenceError) {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw .modelLoadFailed(model: path, reason: "cannot read the vocabulary \(path)")
    }
    try self.init(vocabulary: data, source: path)
  }

  public init(vocabulary data: Data, source: String) throws(InferenceError) {
    var entries: [[UInt8]: Int32] = [:]
    var id: Int32 = 0
    var failure: String?
    data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
      let bytes = raw.bindMemory(to: UInt8.self)
      entries.reserveCapacity(bytes.count / 7)
      var start = 0
      while start < bytes.count {
        var end = start
        while end < bytes.count, bytes[end] != 0x0A { end += 1 }
        var tokenEnd = end
        if tokenEnd > start, bytes[tokenEnd - 1] == 0x0D { tokenEnd -= 1 }
        let token = Array(bytes[start..<tokenEnd])
        if entries[token] == nil { entries[token] = id }
        if String(validating: token, as: UTF8.self) == nil, failure == nil {
          failure = "line \(id + 1) is not valid UTF-8"
        }
        id += 1
        start = end + 1
      }
    }
    if let failure { throw .modelLoadFailed(model: source, reason: "vocabulary: \(failure)") }
    func special(_ token: String) throws(InferenceError) -> Int32 {
      guard let id = entries[Array(token.utf8)] else {
        throw .modelLoadFailed(model: source, reason: "the vocabulary has no \(token)")
      }
      return id
    }
    vocabulary = entries
    vocabularySize = Int(id)
    classifierID = try special("[CLS]")
    separatorID = try special("[SEP]")
    unknownID = try special("[UNK]")
    paddingID = try special("[PAD]")
  }

  /// Ids of `[CLS] pieces [SEP]`, at most `maxTokens` (the pieces past it dropped).
  ///
  /// The text is normalized in chunks cut just after a word boundary (whitespace, punctuation or
  /// an ideograph, where the whole text's words would end too), and the work stops once the
  /// pieces fill `maxTokens`: a megabyte of text costs what its first few hundred words cost,
  /// not seconds of a node's time.
  public func encode(_ text: String, maxTokens: Int) -> TokenizedText {
    precondition(maxTokens >= 2, "room for [CLS] and [SEP]")
    var ids: [Int32] = [classifierID]
    let budget = maxTokens - 1
    var truncated = false
    let scalars = text.unicodeScalars
    var start = scalars.startIndex
    chunks: while start < scalars.endIndex {
      var end = start, length = 0
      while end < scalars.endIndex {
        let scalar = scalars[end]
        end = scalars.index(after: end)
        length += 1
        if length >= Self.chunkScalars, BertTextNormalizer.endsWord(scalar) { break }
      }
      for word in BertTextNormalizer.words(of: String(scalars[start..<end])) {
        for piece in pieces(of: word) {
          guard ids.count < budget else {
            truncated = true
            break chunks
          }
          ids.append(piece)
        }
      }
      start = end
    }
    ids.append(separatorID)
    return TokenizedText(ids: ids, truncated: truncated)
  }

  /// Scalars normalized at a time (at least; a chunk ends at the next word boundary).
  static let chunkScalars = 512

  /// Greedy longest-match-first WordPiece.
  func pieces(of word: [Unicode.Scalar]) -> [Int32] {
    guard word.count <= Self.maximumWordLength else { return [unknownID] }
    // UTF-8 offsets of every scalar boundary, so candidates are byte ranges.
    var utf8: [UInt8] = []
    var boundaries = [0]
    for scalar in word {
      utf8.append(contentsOf: UTF8.encode(scalar)!)
      boundaries.append(utf8.count)
    }
    var result: [Int32] = []
    var start = 0
    var candidate: [UInt8] = []
    while start < word.count {
      var end = word.count
      var found: Int32?
      while end > start {
        candidate.removeAll(keepingCapacity: true)
        if start > 0 { candidate += [0x23, 0x23] }
        candidate += utf8[boundaries[start]..<boundaries[end]]
        if let id = vocabulary[candidate] {
          found = id
          break
        }
        end -= 1
      }
      guard let id = found else { return [unknownID] }
      result.append(id)
      start = end
    }
    return result
  }
}
