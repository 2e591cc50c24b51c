import EdgeRuntime
import Foundation
import Testing

/// WordPiece over a small vocabulary. The same tokenizer is checked id for id against the
/// reference `tokenizers` package on the real vocabulary, over every code point and a fixed
/// test set, by Tests/interop/test_minilm.py.
struct BertTokenizerTests {
  static let vocabulary = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "the", "cafe", "!", ",", "hello", "world", "东", "京",
    "##s", "run", "a", "##a",
  ]

  static func tokenizer() throws -> BertTokenizer {
    try BertTokenizer(vocabulary: Data(vocabulary.joined(separator: "\n").utf8), source: "test")
  }

  func pieces(_ text: String, maxTokens: Int = 64) throws -> [String] {
    let tokenizer = try Self.tokenizer()
    return tokenizer.encode(text, maxTokens: maxTokens).ids.map { Self.vocabulary[Int($0)] }
  }

  @Test func greedyLongestMatchWithContinuations() throws {
    #expect(try pieces("unaffable runs") == ["[CLS]", "un", "##aff", "##able", "run", "##s", "[SEP]"])
  }

  @Test func lowerCasesStripsAccentsAndSplitsPunctuation() throws {
    #expect(try pieces("Hello,WORLD!  Café") == ["[CLS]", "hello", ",", "world", "!", "cafe", "[SEP]"])
  }

  @Test func ideographsAreWordsOfTheirOwn() throws {
    #expect(try pieces("东京") == ["[CLS]", "东", "京", "[SEP]"])
  }

  @Test func unknownAndOverlongWordsBecomeUNK() throws {
    #expect(try pieces("unxyz the") == ["[CLS]", "[UNK]", "the", "[SEP]"])
    #expect(try pieces(String(repeating: "a", count: 100), maxTokens: 128) == ["[CLS]", "a"] + Array(repeating: "##a", count: 99) + ["[SEP]"])
    #expect(try pieces(String(repeating: "a", count: 101)) == ["[CLS]", "[UNK]", "[SEP]"])
  }

  @Test func controlAndFormatCharactersVanishAndWhitespaceSeparates() throws {
    #expect(try pieces("the\u{200B}\u{0007}cafe\tthe\u{00A0}the") == ["[CLS]", "[UNK]", "the", "the", "[SEP]"])
  }

  @Test func truncationKeepsTheFirstPiecesAndSaysSo() throws {
    let tokenizer = try Self.tokenizer()
    let full = tokenizer.encode("the cafe the cafe", maxTokens: 64)
    #expect(!full.truncated)
    #expect(full.ids.count == 6)
    let cut = tokenizer.encode("the cafe the cafe", maxTokens: 4)
    #expect(cut.truncated)
    #expect(cut.ids == [2, 7, 8, 3])
  }

  @Test func aVocabularyWithoutSpecialTokensIsRefused() {
    #expect(throws: InferenceError.self) { try BertTokenizer(vocabulary: Data("a\nb".utf8), source: "test") }
  }
}
