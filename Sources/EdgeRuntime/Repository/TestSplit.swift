import EdgeProto
import Foundation

/// A classifier's held-out test split, `<model>/test_split.json`: `inputs` (rows of features)
/// and `labels` (class indices), as dev/train-digits.py writes it.
public struct TestSplit: Sendable {
  public var inputs: [[Float]]
  public var labels: [Int]

  public init(contentsOf path: String) throws {
    guard let data = FileManager.default.contents(atPath: path),
      let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
      let inputs = object["inputs"] as? [[NSNumber]], let labels = object["labels"] as? [NSNumber],
      inputs.count == labels.count, !inputs.isEmpty
    else { throw InferenceError.invalidRequest("\(path) is not a test split of inputs and labels") }
    self.inputs = inputs.map { $0.map(\.floatValue) }
    self.labels = labels.map(\.intValue)
  }

  /// The share of rows whose INT64 class output equals the label.
  public func accuracy(of model: LoadedModel, batch: Int = 64) throws -> Double {
    guard let input = model.config.input.first,
      let classOutput = model.config.output.firstIndex(where: { TensorDataType($0.dataType) == .int64 })
    else { throw InferenceError.invalidRequest("model '\(model.name)' has no INT64 class output") }
    var correct = 0
    for start in stride(from: 0, to: inputs.count, by: batch) {
      let rows = Array(inputs[start..<min(start + batch, inputs.count)])
      let width = rows[0].count
      let outputs = try model.model.run(
        [Tensor(name: input.name, shape: [rows.count, width], floats: rows.flatMap { $0 })], batchSize: rows.count)
      for (offset, predicted) in outputs.tensors[classOutput].int64s().enumerated() where Int(predicted) == labels[start + offset] {
        correct += 1
      }
    }
    return Double(correct) / Double(labels.count)
  }
}
