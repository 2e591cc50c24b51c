import ArgumentParser
import EdgeRuntime
import Foundation

struct TokenizeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "tokenize",
    abstract: "Print the token ids a bert model's tokenizer gives texts, as JSON (one object per text).")

  @Argument(help: "A version folder holding vocab.txt (models/minilm/1), or the vocabulary file itself.") var vocabulary: String
  @Option(name: .customLong("text"), help: "A text to tokenize (repeat for several).") var texts: [String] = []
  @Option(help: "A JSON file holding an array of texts.") var textsJson: String?
  @Option(help: "Maximum tokens with [CLS] and [SEP].") var maxTokens = 256

  func run() throws {
    var isFolder: ObjCBool = false
    let path = FileManager.default.fileExists(atPath: vocabulary, isDirectory: &isFolder) && isFolder.boolValue
      ? "\(vocabulary)/vocab.txt" : vocabulary
    guard maxTokens >= 2 else { throw ValidationError("--max-tokens must be at least 2") }
    var all = texts
    if let textsJson {
      guard let data = FileManager.default.contents(atPath: textsJson),
        let array = try JSONSerialization.jsonObject(with: data) as? [String]
      else { throw ValidationError("\(textsJson) is not a JSON array of strings") }
      all += array
    }
    let tokenizer = try BertTokenizer(vocabularyFile: path)
    let rows = all.map { text -> [String: Any] in
      let tokenized = tokenizer.encode(text, maxTokens: maxTokens)
      return ["ids": tokenized.ids.map(Int.init), "truncated": tokenized.truncated]
    }
    let data = try JSONSerialization.data(withJSONObject: rows, options: [])
    print(String(decoding: data, as: UTF8.self))
  }
}
