/// BERT's input embeddings: word + position + token type (segment 0, since sentences come
/// alone), then LayerNorm. The tables stay fp32 and are read in place from the mapped file; only
/// the rows of the batch's tokens are touched.
struct BertEmbeddings: @unchecked Sendable {
  // @unchecked: the tables point into a read-only mapping kept alive by `file`.
  let file: SafeTensorsFile
  let words: UnsafeBufferPointer<Float>
  let positions: UnsafeBufferPointer<Float>
  let tokenTypes: UnsafeBufferPointer<Float>
  let norm: LayerNormWeights
  let vocabularySize: Int
  let maximumPositions: Int
  let hidden: Int

  init(file: SafeTensorsFile, epsilon: Float) throws(SafeTensorsError) {
    let wordName = "embeddings.word_embeddings.weight"
    let positionName = "embeddings.position_embeddings.weight"
    let typeName = "embeddings.token_type_embeddings.weight"
    guard let word = file.tensors[wordName] else { throw .missingTensor(path: file.path, name: wordName) }
    guard word.shape.count == 2, word.shape[0] > 0, word.shape[1] > 0 else {
      throw .malformed(path: file.path, reason: "'\(wordName)' must be [vocabulary, hidden], is \(word.shape)")
    }
    let hidden = word.shape[1]
    guard let position = file.tensors[positionName] else { throw .missingTensor(path: file.path, name: positionName) }
    guard position.shape.count == 2, position.shape[1] == hidden, position.shape[0] > 2 else {
      throw .malformed(path: file.path, reason: "'\(positionName)' must be [positions, \(hidden)], is \(position.shape)")
    }
    guard let tokenType = file.tensors[typeName] else { throw .missingTensor(path: file.path, name: typeName) }
    guard tokenType.shape.count == 2, tokenType.shape[1] == hidden, tokenType.shape[0] >= 1 else {
      throw .malformed(path: file.path, reason: "'\(typeName)' must be [types, \(hidden)], is \(tokenType.shape)")
    }
    self.file = file
    words = try file.floats(of: wordName)
    positions = try file.floats(of: positionName)
    tokenTypes = try file.floats(of: typeName)
    norm = try LayerNormWeights(file: file, prefix: "embeddings.LayerNorm", width: hidden, epsilon: epsilon)
    vocabularySize = word.shape[0]
    maximumPositions = position.shape[0]
    self.hidden = hidden
  }

  /// Writes the embedded tokens of a packed batch into x [tokens × hidden].
  func embed(_ batch: TokenBatch, into x: UnsafeMutablePointer<Float>) {
    let words = words.baseAddress!, positions = positions.baseAddress!, segment = tokenTypes.baseAddress!
    for sentence in 0..<batch.count {
      let offset = batch.offsets[sentence]
      for position in 0..<batch.lengths[sentence] {
        let token = offset + position
        let word = words + Int(batch.ids[token]) * hidden
        let place = positions + position * hidden
        let row = x + token * hidden
        for column in 0..<hidden { row[column] = word[column] + place[column] + segment[column] }
      }
    }
    norm.apply(x, adding: nil, rows: batch.tokenCount)
  }
}
