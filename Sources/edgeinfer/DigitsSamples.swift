import Foundation

/// The held-out test split of the embedded `digits` model (models/digits/test_split.json).
struct DigitsSamples {
  var inputs: [[Float]]
  var labels: [Int]

  init(repository: String) throws {
    let path = "\(repository)/digits/test_split.json"
    guard let data = FileManager.default.contents(atPath: path),
      let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
      let inputs = object["inputs"] as? [[NSNumber]], let labels = object["labels"] as? [NSNumber],
      inputs.count == labels.count
    else { throw InputError("\(path) is missing or malformed") }
    self.inputs = inputs.map { $0.map(\.floatValue) }
    self.labels = labels.map(\.intValue)
  }
}
