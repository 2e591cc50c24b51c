import CEdgeKernels
import Dispatch
import Foundation

/// A BERT encoder with mean pooling and L2 normalisation, as sentence-transformers' embedding
/// models (all-MiniLM-L6-v2) use it: token ids in, one unit vector per sentence out.
///
/// Per layer, on a packed batch (TokenBatch): Q, K, V projections; per sentence and head,
/// softmax(Q·Kᵀ / √d)·V; the output projection, residual and LayerNorm; the GELU feed-forward,
/// residual and LayerNorm. The linear layers run on the version's quantization scheme (the packed
/// fp32 GEMM, or OpenBLAS without AVX2, for f32; the W8A8 GEMM for w8a8); attention and the
/// element-wise steps stay fp32.
struct BertEncoder: Sendable {
  let embeddings: BertEmbeddings
  let layers: [BertEncoderLayer]
  let heads: Int
  let scheme: QuantizationScheme

  var hidden: Int { embeddings.hidden }
  var headWidth: Int { hidden / heads }
  var storedByteCount: Int {
    layers.reduce(0) { total, layer in total + layer.denseLayers.reduce(0) { $0 + $1.storedByteCount } }
      + (embeddings.words.count + embeddings.positions.count + embeddings.tokenTypes.count) * 4
  }

  init(file: SafeTensorsFile, heads: Int, scheme: QuantizationScheme, epsilon: Float) throws(SafeTensorsError) {
    embeddings = try BertEmbeddings(file: file, epsilon: epsilon)
    var layers: [BertEncoderLayer] = []
    while file.tensors["encoder.layer.\(layers.count).attention.self.query.weight"] != nil {
      layers.append(try BertEncoderLayer(file: file, index: layers.count, hidden: embeddings.hidden, scheme: scheme, epsilon: epsilon))
    }
    guard !layers.isEmpty else { throw .missingTensor(path: file.path, name: "encoder.layer.0.attention.self.query.weight") }
    guard heads > 0, embeddings.hidden % heads == 0 else {
      throw .malformed(path: file.path, reason: "hidden width \(embeddings.hidden) does not split into \(heads) heads")
    }
    self.layers = layers
    self.heads = heads
    self.scheme = scheme
  }

  /// Unit-length sentence embeddings [sentences × hidden]. Every id must be below the
  /// vocabulary size and every sentence non-empty and within the position table.
  ///
  /// With several threads a batch of several sentences is cut into one part per thread, about
  /// equal in tokens, and each part runs the whole encoder on its own thread: sentences never
  /// interact, so nothing is shared but the weights, and the element-wise steps and attention run
  /// in parallel too. (Splitting each multiply instead measured 1.4× one thread at batch 32 on
  /// two cores.) One long sentence splits its multiplies' columns instead. Each thread's part
  /// then runs in groups of at most `groupTokens` tokens.
  func embed(_ batch: TokenBatch, threads: Int = 1, groupTokens: Int = groupTokens) -> [Float] {
    precondition(batch.lengths.allSatisfy { $0 > 0 && $0 <= embeddings.maximumPositions }, "sentence lengths within the position table")
    precondition(batch.ids.allSatisfy { $0 >= 0 && Int($0) < embeddings.vocabularySize }, "token ids within the vocabulary")
    let parts = Self.parts(of: batch, width: hidden, threads: threads)
    guard parts.count > 1 else { return encode(batch, threads: threads, groupTokens: groupTokens) }
    let results = PartResults(count: parts.count)
    DispatchQueue.concurrentPerform(iterations: parts.count) { part in
      results.store(encode(parts[part], threads: 1, groupTokens: groupTokens), at: part)
    }
    return results.joined()
  }

  /// Tokens one pass through the layers takes at most (a longer sentence goes alone). A layer's
  /// activations for 256 tokens (the feed-forward's 1.5 MB at MiniLM's width) stay near the
  /// caches between one step and the next; 32 passages of 123 tokens in one pass (a 24 MB
  /// feed-forward) ran at 52 texts/s, in groups of 256 tokens at 59 to 67 (`bench model`, Zen 4).
  /// Sentences never interact, so the groups' results are the whole batch's.
  static let groupTokens = 256

  private func encode(_ batch: TokenBatch, threads: Int, groupTokens: Int) -> [Float] {
    let groups = Self.groups(of: batch, tokens: groupTokens)
    guard groups.count > 1 else { return encode(batch, threads: threads) }
    return groups.flatMap { encode($0, threads: threads) }
  }

  /// Consecutive sentences in groups of at most `limit` tokens; a sentence longer than that is a
  /// group of its own.
  static func groups(of batch: TokenBatch, tokens limit: Int) -> [TokenBatch] {
    guard batch.tokenCount > limit else { return [batch] }
    var groups: [TokenBatch] = []
    var current = TokenBatch()
    for sentence in 0..<batch.count {
      let length = batch.lengths[sentence], offset = batch.offsets[sentence]
      if current.count > 0, current.tokenCount + length > limit {
        groups.append(current)
        current = TokenBatch()
      }
      current.append(Array(batch.ids[offset..<offset + length]))
    }
    groups.append(current)
    return groups
  }

  /// Sentences in up to `threads` consecutive groups of about equal tokens; one group when the
  /// work is too small to repay a hand-off (as KernelThreads decides for one multiply).
  static func parts(of batch: TokenBatch, width: Int, threads: Int) -> [TokenBatch] {
    let count = min(threads, batch.count)
    guard count > 1, batch.tokenCount * width * width >= KernelThreads.minimumParallelWork else { return [batch] }
    var parts: [TokenBatch] = []
    var current = TokenBatch()
    var tokensSoFar = 0
    for sentence in 0..<batch.count {
      let length = batch.lengths[sentence], offset = batch.offsets[sentence]
      current.append(Array(batch.ids[offset..<offset + length]))
      tokensSoFar += length
      let boundary = batch.tokenCount * (parts.count + 1) / count
      if tokensSoFar >= boundary, parts.count < count - 1, sentence < batch.count - 1 {
        parts.append(current)
        current = TokenBatch()
      }
    }
    parts.append(current)
    return parts
  }

  /// The largest magnitude of each channel of every layer's smoothed inputs over a batch (the
  /// attention's, read by Q, K and V, and the feed-forward's, read by the intermediate layer):
  /// what `edgeinfer quantize` calibrates their smoothing with.
  func layerInputMaxima(_ batch: TokenBatch) -> [QuantizedInput: [[Float]]] {
    let zeros = [[Float]](repeating: [Float](repeating: 0, count: hidden), count: layers.count)
    var maxima: [QuantizedInput: [[Float]]] = [.attention: zeros, .feedForward: zeros]
    let tokens = batch.tokenCount, width = hidden
    _ = encode(batch, threads: 1) { layer, point, x in
      for token in 0..<tokens {
        for column in 0..<width { maxima[point]![layer][column] = max(maxima[point]![layer][column], abs(x[token * width + column])) }
      }
    }
    return maxima
  }

  /// Where a layer quantizes an input it smooths first: before Q, K and V, and before the
  /// intermediate layer. (The output layer's input, the GELU's, measured worse smoothed: its
  /// range is one-sided, and moving it into the weights coarsened their blocks.)
  enum QuantizedInput: Hashable { case attention, feedForward }

  private func encode(
    _ batch: TokenBatch, threads: Int, observingLayerInputs observe: ((Int, QuantizedInput, UnsafePointer<Float>) -> Void)? = nil
  ) -> [Float] {
    let tokens = batch.tokenCount
    let workspace = EncoderWorkspace(tokens: tokens, hidden: hidden, intermediate: layers[0].intermediateWidth)
    embeddings.embed(batch, into: workspace.hidden)
    for (index, layer) in layers.enumerated() {
      observe?(index, .attention, workspace.hidden)
      run(layer, on: batch, in: workspace, threads: threads) { observe?(index, $0, $1) }
    }
    return pooled(workspace.hidden, batch: batch)
  }

  private func run(
    _ layer: BertEncoderLayer, on batch: TokenBatch, in space: EncoderWorkspace, threads: Int,
    observing observe: (QuantizedInput, UnsafePointer<Float>) -> Void
  ) {
    let tokens = batch.tokenCount
    let x: UnsafePointer<Float>
    if let smoothing = layer.inputSmoothing {
      // Outlier channels shrunk before quantizing (the weights hold the inverse factors). The
      // context buffer is free until attention writes it, and unlike Q, K and V it is not an
      // output of the multiplies that read this input (an fp32 input is read in place).
      let width = hidden
      for token in 0..<tokens {
        for column in 0..<width { space.context[token * width + column] = space.hidden[token * width + column] * smoothing[column] }
      }
      x = UnsafePointer(space.context)
    } else {
      x = UnsafePointer(space.hidden)
    }
    if layer.query.matrix.scheme == layer.key.matrix.scheme, layer.key.matrix.scheme == layer.value.matrix.scheme {
      // Quantized once for all three.
      let input = layer.query.matrix.prepare(x, m: tokens)
      layer.query.apply(input, into: space.query, threads: threads)
      layer.key.apply(input, into: space.key, threads: threads)
      layer.value.apply(input, into: space.value, threads: threads)
    } else {
      // Some kept in full precision: each prepares the input its own way.
      layer.query.apply(x, rows: tokens, into: space.query, threads: threads)
      layer.key.apply(x, rows: tokens, into: space.key, threads: threads)
      layer.value.apply(x, rows: tokens, into: space.value, threads: threads)
    }
    attend(batch, in: space, threads: threads)
    layer.attentionOutput.apply(space.context, rows: tokens, into: space.attended, threads: threads)
    layer.attentionNorm.apply(space.attended, adding: space.hidden, rows: tokens)
    observe(.feedForward, space.attended)
    if let smoothing = layer.feedForwardSmoothing {
      // As for Q, K and V; the context buffer is free again once the attention output read it.
      let width = hidden
      for token in 0..<tokens {
        for column in 0..<width { space.context[token * width + column] = space.attended[token * width + column] * smoothing[column] }
      }
      layer.intermediate.apply(space.context, rows: tokens, into: space.intermediate, threads: threads)
    } else {
      layer.intermediate.apply(space.attended, rows: tokens, into: space.intermediate, threads: threads)
    }
    edge_gelu(space.intermediate, tokens * layer.intermediateWidth)
    layer.output.apply(space.intermediate, rows: tokens, into: space.hidden, threads: threads)
    layer.outputNorm.apply(space.hidden, adding: space.attended, rows: tokens)
  }

  /// Scaled dot-product attention per sentence and head. Heads write disjoint columns of the
  /// context, so with several threads each takes a share of the heads.
  private func attend(_ batch: TokenBatch, in space: EncoderWorkspace, threads: Int) {
    let longest = batch.longest
    let work = batch.lengths.reduce(0) { $0 + $1 * $1 } * hidden
    let parts = threads > 1 && work >= KernelThreads.minimumParallelWork / 4 ? min(threads, heads) : 1
    let headWidth = headWidth, hidden = hidden, heads = heads
    let scale = 1 / Float(headWidth).squareRoot()
    let pointers = AttentionPointers(query: space.query, key: space.key, value: space.value, context: space.context)
    let body: @Sendable (Int) -> Void = { part in
      let scratch = UnsafeMutablePointer<Float>.allocate(capacity: edge_attention_scratch(Int32(longest), Int32(headWidth)))
      defer { scratch.deallocate() }
      for head in (heads * part / parts)..<(heads * (part + 1) / parts) {
        let column = head * headWidth
        for sentence in 0..<batch.count {
          let length = batch.lengths[sentence], start = batch.offsets[sentence] * hidden + column
          edge_attention_head(
            pointers.query + start, pointers.key + start, pointers.value + start, Int32(hidden), Int32(length),
            Int32(headWidth), scale, scratch, pointers.context + start)
        }
      }
    }
    if parts == 1 {
      body(0)
    } else {
      DispatchQueue.concurrentPerform(iterations: parts, execute: body)
    }
  }

  /// Mean over each sentence's tokens, then scaled to unit length (sentence-transformers'
  /// Normalize: divided by max(‖v‖, 1e-12)).
  private func pooled(_ x: UnsafeMutablePointer<Float>, batch: TokenBatch) -> [Float] {
    var result = [Float](repeating: 0, count: batch.count * hidden)
    for sentence in 0..<batch.count {
      let base = sentence * hidden
      for token in batch.offsets[sentence]..<(batch.offsets[sentence] + batch.lengths[sentence]) {
        let row = x + token * hidden
        for column in 0..<hidden { result[base + column] += row[column] }
      }
      let count = Float(batch.lengths[sentence])
      var squares: Float = 0
      for column in 0..<hidden {
        result[base + column] /= count
        squares += result[base + column] * result[base + column]
      }
      let inverse = 1 / max(squares.squareRoot(), 1e-12)
      for column in 0..<hidden { result[base + column] *= inverse }
    }
    return result
  }

  /// Results of the parts of a batch, each written once by its own thread.
  private final class PartResults: @unchecked Sendable {
    private var results: [[Float]]
    private let lock = NSLock()

    init(count: Int) { results = Array(repeating: [], count: count) }

    func store(_ result: [Float], at index: Int) {
      lock.withLock { results[index] = result }
    }

    func joined() -> [Float] { lock.withLock { results.flatMap { $0 } } }
  }

  /// Each head's part reads Q, K and V and writes its own columns of the context: no two
  /// threads write the same element, which the compiler cannot see through raw pointers.
  private struct AttentionPointers: @unchecked Sendable {
    let query: UnsafeMutablePointer<Float>
    let key: UnsafeMutablePointer<Float>
    let value: UnsafeMutablePointer<Float>
    let context: UnsafeMutablePointer<Float>
  }
}
