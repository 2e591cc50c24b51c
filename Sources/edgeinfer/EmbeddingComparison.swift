import EdgeRuntime

/// How the benchmarks compare one engine's sentence vectors with another's: every text embedded
/// in batches of 32 (as dev/bench-onnxruntime.py does), then the cosine of each row.
enum EmbeddingComparison {
  /// Every text's vector, row after row.
  static func vectors(of model: BertModel, texts: [String]) -> [Float] {
    stride(from: 0, to: texts.count, by: 32).flatMap { start in
      model.embed(TokenBatch(texts[start..<min(start + 32, texts.count)].map { model.tokenizer.encode($0, maxTokens: model.maximumTokens).ids }))
    }
  }

  /// The cosine of each row of `a` to the same row of `b`, rows of `width`.
  static func cosines(_ a: [Float], _ b: [Float], width: Int) -> [Double] {
    (0..<a.count / width).map { row in
      var dot = 0.0, na = 0.0, nb = 0.0
      for column in row * width..<(row + 1) * width {
        dot += Double(a[column]) * Double(b[column])
        na += Double(a[column]) * Double(a[column])
        nb += Double(b[column]) * Double(b[column])
      }
      return dot / (na.squareRoot() * nb.squareRoot())
    }
  }
}
