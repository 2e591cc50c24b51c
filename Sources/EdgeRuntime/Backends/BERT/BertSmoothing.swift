import Foundation

/// SmoothQuant-style smoothing of the attention and feed-forward inputs for W8A8 BERT encoders.
///
/// The residual stream entering each layer has a few channels with values tens of times larger
/// than the rest; quantized to int8 per block of 32, they coarsen their whole block, and the
/// attention scores are the most sensitive to that rounding. On all-MiniLM-L6-v2's test
/// sentences a numpy model of the int8 arithmetic gave a minimum cosine to fp32 of 0.9988
/// without smoothing; with it (α 0.7) the node measured 0.9993. Q, K and V share that input, so
/// each channel j gets a
/// factor s_j = max|x_j|^α / max|W_·j|^(1−α) from calibration: the input is multiplied by 1/s_j
/// before quantizing and the weights' column j by s_j, which leaves the product unchanged in
/// exact arithmetic and moves the outliers' range into the weights (blocks of 32 there too).
/// The residual stream itself stays unchanged (BERT normalises after the residual, so the
/// factors cannot be folded into a LayerNorm); the multiply costs one pass over the input.
///
/// The feed-forward's input (the attention block's LayerNorm output, read by the intermediate
/// layer) has outliers of its own and gets the same treatment. Over 40,618 short texts
/// (`edgeinfer bench fidelity minilm`: every vocabulary entry alone, 10,000 random one- to
/// three-word strings, the fixed sets) the minimum cosine to fp32 went from 0.99811 (attention
/// smoothing only; 122 texts below 0.999) to 0.99861 (11 below), at the cost of one more pass.
/// The output layer's input (the GELU's) measured worse smoothed and is left as it is: its
/// one-sided range is what the activations' zero points (edge_kernels.h) are for, and with them
/// the same texts measure 0.99911 (none below 0.999).
public enum BertSmoothing {
  /// α: how much of each channel's range moves into the weights.
  public static let migration: Float = 0.7
  /// The per-layer tensor of input factors (1/s), beside the layer's Q, K and V weights.
  static let tensorSuffix = "attention.self.input_smoothing"
  /// The same for the feed-forward's input (the intermediate layer's), beside its weights.
  static let feedForwardTensorSuffix = "intermediate.input_smoothing"

  /// s_j per channel from the input's calibrated maxima and the largest |weight| of column j
  /// across Q, K and V. Channels never seen or never weighted keep 1.
  public static func factors(inputMaxima: [Float], weightMaxima: [Float]) -> [Float] {
    zip(inputMaxima, weightMaxima).map { input, weight in
      guard input > 0, weight > 0 else { return 1 }
      let factor = Float(pow(Double(input), Double(migration)) / pow(Double(weight), Double(1 - migration)))
      return factor.isFinite && factor > 0 ? factor : 1
    }
  }

  /// Per smoothed input (its factors' tensor suffix) and layer, the factors s for the weight
  /// columns of the layers that read it, from the fp32 model's inputs over `sentences`: Q, K
  /// and V's, and the intermediate layer's.
  static func calibrate(_ model: BertModel, file: SafeTensorsFile, sentences: [String]) throws -> [(suffix: String, readers: [String], factors: [[Float]])] {
    let maxima = model.layerInputMaxima(of: sentences)
    let inputs: [(BertEncoder.QuantizedInput, String, [String])] = [
      (.attention, tensorSuffix, ["attention.self.query", "attention.self.key", "attention.self.value"]),
      (.feedForward, feedForwardTensorSuffix, ["intermediate.dense"]),
    ]
    return try inputs.map { point, suffix, readers in
      let factors = try (maxima[point] ?? []).enumerated().map { layer, inputMaxima in
        var weightMaxima = [Float](repeating: 0, count: inputMaxima.count)
        for reader in readers {
          let name = "encoder.layer.\(layer).\(reader).weight"
          let columns = columnMaxima(try file.floats(of: name), rows: file.tensors[name]!.shape[0], columns: inputMaxima.count)
          for column in columns.indices { weightMaxima[column] = max(weightMaxima[column], columns[column]) }
        }
        return Self.factors(inputMaxima: inputMaxima, weightMaxima: weightMaxima)
      }
      return (suffix, readers, factors)
    }
  }

  /// The largest |w| of each column of a [rows × columns] matrix.
  static func columnMaxima(_ weights: UnsafeBufferPointer<Float>, rows: Int, columns: Int) -> [Float] {
    var maxima = [Float](repeating: 0, count: columns)
    for row in 0..<rows {
      for column in 0..<columns { maxima[column] = max(maxima[column], abs(weights[row * columns + column])) }
    }
    return maxima
  }
}
