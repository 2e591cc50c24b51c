import CEdgeKernels
import Foundation
import Testing

/// The transformer's element-wise kernels (AVX2 where the CPU has it) against their scalar
/// references, and the W8A8 block-scale format against the fp32 values it encodes.
struct TransformerKernelTests {
  typealias Numbers = KernelTests.Numbers

  @Test(arguments: [1, 7, 8, 9, 100, 1536])
  func geluMatchesTheErfReference(_ count: Int) {
    var numbers = Numbers(state: UInt64(count))
    // Wide inputs: the tails are where an erf approximation goes wrong.
    let x = (0..<count).map { _ in numbers.float(-12...12) } + [0, -0, 1e-30, -1e-30, 40, -40]
    var reference = x
    edge_gelu_ref(&reference, reference.count)
    for path in KernelTests.paths {
      var fast = x
      #expect(edge_gelu_on(path, &fast, fast.count) == 0)
      for (got, want) in zip(fast, reference) {
        #expect(abs(got - want) <= 1e-6 + 1e-6 * abs(want), "gelu \(got) vs \(want) on path \(path)")
      }
      // Infinities as the reference: +inf stays +inf (−inf · Φ(−inf) is NaN on every path).
      var infinities: [Float] = [.infinity, 1e38, -1e38]
      #expect(edge_gelu_on(path, &infinities, infinities.count) == 0)
      #expect(infinities[0] == .infinity && infinities[1] == 1e38 && infinities[2] == 0, "path \(path): \(infinities)")
    }
  }

  @Test(arguments: [(1, 1), (3, 7), (4, 16), (2, 33), (12, 256)])
  func softmaxRowsSumToOneAndMatchTheReference(_ rows: Int, _ n: Int) {
    var numbers = Numbers(state: UInt64(rows * 1000 + n))
    let x = (0..<rows * n).map { _ in numbers.float(-30...30) }
    var fast = x, reference = x
    edge_softmax_rows(&fast, Int32(rows), Int32(n))
    edge_softmax_rows_ref(&reference, Int32(rows), Int32(n))
    for row in 0..<rows {
      let slice = fast[row * n..<(row + 1) * n]
      #expect(abs(slice.reduce(0, +) - 1) < 1e-5)
    }
    for (got, want) in zip(fast, reference) { #expect(abs(got - want) <= 1e-6 + 2e-6 * want) }
  }

  @Test(arguments: [(1, 8), (3, 384), (2, 13)])
  func residualLayerNormMatchesTheReference(_ rows: Int, _ n: Int) {
    var numbers = Numbers(state: UInt64(rows * 7 + n))
    let x = (0..<rows * n).map { _ in numbers.float(-5...5) }
    let r = (0..<rows * n).map { _ in numbers.float(-5...5) }
    let gamma = (0..<n).map { _ in numbers.float(0.5...1.5) }, beta = (0..<n).map { _ in numbers.float() }
    var fast = x, reference = x
    edge_add_layer_norm(&fast, r, Int32(rows), Int32(n), gamma, beta, 1e-12)
    edge_add_layer_norm_ref(&reference, r, Int32(rows), Int32(n), gamma, beta, 1e-12)
    for (got, want) in zip(fast, reference) { #expect(abs(got - want) < 1e-5) }
    // Without gamma and beta the rows have mean 0 and variance 1.
    var plain = x
    edge_add_layer_norm(&plain, nil, Int32(rows), Int32(n), [Float](repeating: 1, count: n), [Float](repeating: 0, count: n), 1e-12)
    for row in 0..<rows {
      let values = plain[row * n..<(row + 1) * n].map(Double.init)
      let mean = values.reduce(0, +) / Double(n)
      let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
      #expect(abs(mean) < 1e-5)
      #expect(abs(variance - 1) < 1e-3)
    }
  }

  /// Every path this CPU has (and a width the AVX2 kernel cannot take, which falls to the
  /// reference there), at lengths around the kernels' blocks of 8 rows and 8 or 16 keys.
  @Test(arguments: [(1, 8), (5, 32), (17, 32), (40, 64), (3, 12), (8, 32), (16, 32), (33, 24), (130, 32), (250, 64), (9, 40), (20, 128)])
  func attentionHeadMatchesTheReferenceOnEveryPath(_ length: Int, _ width: Int) {
    var numbers = Numbers(state: UInt64(length * 100 + width))
    let stride = width * 3  // a head inside wider rows, as in the [tokens × hidden] projections
    let q = (0..<length * stride).map { _ in numbers.float(-2...2) }
    let k = (0..<length * stride).map { _ in numbers.float(-2...2) }
    let v = (0..<length * stride).map { _ in numbers.float(-2...2) }
    let scale = 1 / Float(width).squareRoot()
    var scratch = [Float](repeating: .nan, count: edge_attention_scratch(Int32(length), Int32(width)))
    var reference = [Float](repeating: 7, count: length * stride)
    edge_attention_head_ref(q, k, v, Int32(stride), Int32(length), Int32(width), scale, &scratch, &reference)
    for path in [EDGE_PATH_REFERENCE, EDGE_PATH_AVX2, EDGE_PATH_AVX_VNNI, EDGE_PATH_AVX512_VNNI, EDGE_PATH_AMX_INT8] {
      var fast = [Float](repeating: 7, count: length * stride)
      scratch = [Float](repeating: .nan, count: scratch.count)  // the kernels must not read what they did not write
      let ran = edge_attention_head_on(path, q, k, v, Int32(stride), Int32(length), Int32(width), scale, &scratch, &fast)
      guard ran == 0 else {
        #expect(path > edge_kernels_best_path(), "only a path the CPU lacks is refused")
        continue
      }
      var largest: Float = 0
      for row in 0..<length {
        for column in 0..<stride {
          let index = row * stride + column
          if column < width {
            largest = max(largest, abs(fast[index] - reference[index]))
          } else {
            #expect(fast[index] == 7, "columns of other heads are left alone (path \(path))")
          }
        }
      }
      #expect(largest < 1e-5, "path \(path): largest difference \(largest)")
      // A single token attends only to itself: its output is its value row.
      _ = edge_attention_head_on(path, q, k, v, Int32(stride), 1, Int32(width), scale, &scratch, &fast)
      for column in 0..<width { #expect(abs(fast[column] - v[column]) < 1e-6) }
    }
  }

  @Test func blockScalesConfineAnOutlierToItsBlock() {
    // One large weight in the first block: per-row scaling would round the rest of the row to
    // a few levels; per block, only its own 32 neighbours share its scale.
    var w = (0..<96).map { Float($0 % 7) * 0.001 - 0.003 }
    w[5] = 10
    var q = [Int8](repeating: 0, count: 96), scales = [Float](repeating: 0, count: 3)
    edge_quantize_blocks_s8(w, 1, 96, &q, &scales)
    #expect(scales[0] == Float(10) / 127)
    #expect(abs(scales[1] - 0.003 / 127) < 1e-9)
    for index in 32..<96 {
      #expect(abs(Float(q[index]) * scales[index / 32] - w[index]) <= scales[index / 32] / 2 * 1.0001)
    }
  }
}
