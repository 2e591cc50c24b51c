import EdgeRuntime
import Foundation

// Text from the network through the WordPiece tokenizer (normalisation, punctuation and CJK
// splitting, accent stripping, longest-match pieces), with a small vocabulary so that unknown
// words, pieces and truncation are all reached.
let vocabulary: BertTokenizer = {
  var tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "train", "air", "port", "##port", "##s", "##ing", "un", "##believ", "##able", "caf", "##e"]
  for scalar in UnicodeScalar("a").value...UnicodeScalar("z").value {
    let letter = String(UnicodeScalar(scalar)!)
    tokens += [letter, "##" + letter]
  }
  tokens += ["0", "1", "2", "3", ".", ",", "!", "?", "'", "-", "一", "中"]
  return try! BertTokenizer(vocabulary: Data(tokens.joined(separator: "\n").utf8), source: "fuzz")
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizer(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
  let bytes = UnsafeRawBufferPointer(start: start, count: count)
  guard let first = bytes.first else { return 0 }
  // The first byte picks the maximum length (2 to 257 tokens), so truncation is fuzzed too.
  let maxTokens = 2 + Int(first)
  let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes.dropFirst()), as: UTF8.self)
  let tokenized = vocabulary.encode(text, maxTokens: maxTokens)
  precondition(tokenized.ids.count <= maxTokens, "the tokenizer exceeded its maximum length")
  return 0
}
