import CEdgeKernels
import EdgeRuntime
import Testing

/// The vector kernels against the scalar references: activation quantization and the W8A8 GEMM
/// bit for bit (int32 sums and float outputs), the GEMVs within float rounding.
struct KernelTests {
  /// A reproducible generator (SplitMix64), so a failure can be replayed.
  struct Numbers {
    var generator: SplitMix64
    init(state: UInt64) { generator = SplitMix64(seed: state) }
    mutating func next() -> UInt64 { generator.next() }
    mutating func float(_ range: ClosedRange<Float> = -1...1) -> Float {
      range.lowerBound + Float(next() >> 40) / Float(1 << 24) * (range.upperBound - range.lowerBound)
    }
    mutating func int8() -> Int8 { Int8(truncatingIfNeeded: Int(next() % 255) - 127) }
  }

  static let shapes: [(m: Int, k: Int, n: Int)] = [
    (1, 1, 1), (1, 32, 16), (1, 100, 47), (2, 64, 16), (3, 33, 17), (7, 64, 31), (5, 100, 47), (16, 384, 48), (33, 96, 65),
    // Every row count of an 8-row tile, and more columns than a 256-column chunk.
    (6, 64, 16), (8, 64, 32), (9, 96, 300), (15, 40, 273),
    // Eight whole blocks then a padded one, and two groups of eight (the AVX2 quantizer's paths).
    (3, 300, 20), (2, 520, 33),
    // The AMX program's row groups: a partial second group of 16, then two whole pairs of 32
    // and a tail, over two chunks of 256 columns.
    (20, 64, 40), (70, 96, 300),
  ]

  /// Inputs with the cases the quantizers must agree on: NaN, exact zeros of both signs, a huge
  /// value, and in longer inputs infinities (in the first eight blocks, which the AVX2 quantizer
  /// takes together, and in the last).
  static func activationInputs(m: Int, k: Int, seed: UInt64) -> [Float] {
    var numbers = Numbers(state: seed)
    var x = (0..<m * k).map { _ in numbers.float(-4...4) }
    if x.count > 4 {
      x[0] = .nan
      x[1] = 0
      x[2] = -x[2] * 1000
      x[3] = -0.0
    }
    if x.count > 64 {
      x[40] = .infinity
      x[x.count - 1] = -.infinity
    }
    return x
  }

  @Test(arguments: shapes.indices)
  func activationQuantizationMatchesTheReference(_ index: Int) {
    let (m, k, _) = Self.shapes[index]
    var x = Self.activationInputs(m: m, k: k, seed: UInt64(index))
    // One-sided rows (a GELU's output) and an all-zero block besides the mixed ones.
    if m > 1 { for j in 0..<k { x[k + j] = abs(x[k + j]) - 0.17 } }
    if m > 2 { for j in 0..<min(k, 32) { x[2 * k + j] = -0.0 } }
    let kp = Int(edge_padded_k(Int32(k)))
    var q = [Int8](repeating: 0, count: m * kp), qr = q
    var s = [Float](repeating: 0, count: m * kp / 32), sr = s
    var z = [Int8](repeating: 0, count: m * kp / 32), zr = z
    edge_quantize_activations(x, Int32(m), Int32(k), &q, &s, &z)
    edge_quantize_activations_ref(x, Int32(m), Int32(k), &qr, &sr, &zr)
    #expect(q == qr)
    #expect(s.map(\.bitPattern) == sr.map(\.bitPattern))
    #expect(z == zr)
    // Zero, in the input or the padding, is exactly its block's zero point.
    for i in 0..<m {
      for j in 0..<kp where j >= k || x[i * k + j] == 0 {
        #expect(q[i * kp + j] == z[i * kp / 32 + j / 32], "row \(i) column \(j)")
      }
    }
  }

  @Test(arguments: shapes.indices)
  func symmetricQuantizationMatchesTheReference(_ index: Int) {
    let (m, k, _) = Self.shapes[index]
    let x = Self.activationInputs(m: m, k: k, seed: UInt64(index))
    let kp = Int(edge_padded_k(Int32(k)))
    var q = [Int8](repeating: 0, count: m * kp), qr = q
    var s = [Float](repeating: 0, count: m * kp / 32), sr = s
    edge_quantize_symmetric(x, Int32(m), Int32(k), &q, &s)
    edge_quantize_symmetric_ref(x, Int32(m), Int32(k), &qr, &sr)
    #expect(q == qr)
    #expect(s.map(\.bitPattern) == sr.map(\.bitPattern))
    #expect(q.allSatisfy { $0 >= -127 && $0 <= 127 })
  }

  @Test(arguments: [(Float(-5), Float(5)), (-0.17, 4), (0.5, 3), (-2, -0.25)])
  func dequantizationRoundTripsWithinHalfAStep(_ low: Float, _ high: Float) {
    var numbers = Numbers(state: 11)
    let (m, k) = (3, 77)
    let x = (0..<m * k).map { _ in numbers.float(low...high) }
    let kp = Int(edge_padded_k(Int32(k)))
    var q = [Int8](repeating: 0, count: m * kp)
    var scales = [Float](repeating: 0, count: m * kp / 32)
    var zeros = [Int8](repeating: 0, count: m * kp / 32)
    edge_quantize_activations(x, Int32(m), Int32(k), &q, &scales, &zeros)
    var back = [Float](repeating: 0, count: m * k)
    edge_dequantize_activations(q, scales, zeros, Int32(m), Int32(k), &back)
    for index in 0..<m * k {
      let block = (index / k) * (kp / 32) + (index % k) / 32
      let values = x[(index / k) * k + (index % k) / 32 * 32..<(index / k) * k + min(k, (index % k) / 32 * 32 + 32)]
      // The step spans the block's own range (widened to hold 0) in 255 steps: a one-sided
      // block gets twice the resolution of a symmetric ±127 grid.
      let range = max(values.max()!, 0) - min(values.min()!, 0)
      #expect(scales[block] == range / 255)
      #expect(abs(back[index] - x[index]) <= scales[block] / 2 * 1.0001)
    }
  }

  /// Every kernel path this CPU has (the scalar one on the packed layout included): each must
  /// equal the reference bit for bit.
  static var paths: [Int32] { Array(0...edge_kernels_best_path()) }

  struct GEMMResults {
    /// Per path (by name): float outputs and int32 sums.
    var paths: [(name: String, c: [Float], ci: [Int32])] = []
    var reference: [Float] = []
    var referenceInt: [Int32] = []

    /// Paths whose outputs differ from the reference (by bit pattern).
    var mismatched: [String] {
      paths.filter { $0.ci != referenceInt || $0.c.map(\.bitPattern) != reference.map(\.bitPattern) }.map(\.name)
    }
  }

  /// Runs a GEMM over N in two calls split at a panel boundary, as threads split it, into `c`
  /// (filled with NaN): the first call must leave the second's columns alone.
  static func splitColumns(m: Int, n: Int, into c: inout [Float], _ run: (_ begin: Int32, _ end: Int32, _ c: inout [Float]) -> Int32) -> Int32 {
    c = [Float](repeating: .nan, count: m * n)
    let split = n / 32 * 16
    guard split > 0 else { return run(0, Int32(n), &c) }
    let first = run(0, Int32(split), &c)
    #expect((0..<m).allSatisfy { row in c[row * n + split..<(row + 1) * n].allSatisfy(\.isNaN) }, "writes past n_end")
    return min(first, run(Int32(split), Int32(n), &c))
  }

  /// `zeros`: the activations' zero point per row and block (random over the whole int8 range
  /// when nil).
  static func gemm(m: Int, k: Int, n: Int, a: [Int8], w: [Int8], zeros: [Int8]? = nil, seed: UInt64) -> GEMMResults {
    var numbers = Numbers(state: seed)
    let kp = Int(edge_padded_k(Int32(k)))
    let ascales = (0..<m * kp / 32).map { _ in numbers.float(0.001...0.1) }
    let azeros = zeros ?? (0..<m * kp / 32).map { _ in Int8(truncatingIfNeeded: numbers.next()) }
    // The padding past k holds the block's zero point, as the quantizer writes it.
    var a = a
    for i in 0..<m { for j in k..<kp { a[i * kp + j] = azeros[i * kp / 32 + j / 32] } }
    let wscales = (0..<n * kp / 32).map { _ in numbers.float(0.001...0.1) }
    let bias = (0..<n).map { _ in numbers.float() }
    var packed = [Int8](repeating: 0, count: edge_packed_w8_count(Int32(n), Int32(k)))
    edge_pack_w8(w, Int32(n), Int32(k), &packed)
    var packedScales = [Float](repeating: 0, count: edge_packed_w8_scale_count(Int32(n), Int32(k)))
    edge_pack_w8_scales(wscales, Int32(n), Int32(k), &packedScales)
    var packedSums = [Int32](repeating: 0, count: edge_packed_w8_scale_count(Int32(n), Int32(k)))
    edge_pack_w8_sums(w, Int32(n), Int32(k), &packedSums)
    var packedTerms = [Float](repeating: 0, count: edge_packed_w8_scale_count(Int32(n), Int32(k)))
    edge_pack_w8_zero_terms(w, wscales, Int32(n), Int32(k), &packedTerms)
    var results = GEMMResults()
    results.reference = [Float](repeating: 0, count: m * n)
    results.referenceInt = [Int32](repeating: 0, count: m * n)
    edge_gemm_w8a8_ref(a, ascales, azeros, Int32(m), Int32(k), w, wscales, bias, Int32(n), &results.reference)
    edge_gemm_s8_s32_ref(a, azeros, Int32(m), Int32(k), w, Int32(n), &results.referenceInt)
    for path in paths {
      let name = String(cString: edge_kernels_path_name(path))
      var c = [Float](repeating: .nan, count: m * n)
      var split = c
      var ci = [Int32](repeating: 0, count: m * n)
      let ran = edge_gemm_w8a8_on(
        path, a, ascales, azeros, Int32(m), Int32(k), packed, packedScales, packedTerms, bias, Int32(n), 0, Int32(n), &c)
      let ranSplit = splitColumns(m: m, n: n, into: &split) {
        edge_gemm_w8a8_on(path, a, ascales, azeros, Int32(m), Int32(k), packed, packedScales, packedTerms, bias, Int32(n), $0, $1, &$2)
      }
      let ranInt = edge_gemm_s8_s32_on(path, a, azeros, Int32(m), Int32(k), packed, packedSums, Int32(n), 0, Int32(n), &ci)
      #expect(ran == 0 && ranSplit == 0 && ranInt == 0)
      results.paths.append((name, c, ci))
      results.paths.append((name + ", columns split", split, ci))
    }
    // The AMX path's tile program on emulated tiles, wherever AVX-512 runs its float steps
    // (the tiles' rules are checked: -2 when broken).
    var amx = [Float](repeating: .nan, count: m * n)
    var amxSplit = amx
    var amxInt = [Int32](repeating: 0, count: m * n)
    let ranAMX = edge_gemm_w8a8_amx_emulated(
      a, ascales, azeros, Int32(m), Int32(k), packed, packedScales, packedTerms, bias, Int32(n), 0, Int32(n), &amx)
    let ranAMXSplit = splitColumns(m: m, n: n, into: &amxSplit) {
      edge_gemm_w8a8_amx_emulated(a, ascales, azeros, Int32(m), Int32(k), packed, packedScales, packedTerms, bias, Int32(n), $0, $1, &$2)
    }
    let ranAMXInt = edge_gemm_s8_s32_amx_emulated(a, azeros, Int32(m), Int32(k), packed, packedSums, Int32(n), 0, Int32(n), &amxInt)
    #expect(ranAMX == ranAMXInt && ranAMX == ranAMXSplit && ranAMX != -2)
    if ranAMX == 0 {
      results.paths.append(("amx-int8 on emulated tiles", amx, amxInt))
      results.paths.append(("amx-int8 on emulated tiles, columns split", amxSplit, amxInt))
    }
    if edge_kernels_best_path() >= EDGE_PATH_AVX512_VNNI { #expect(ranAMX == 0, "AVX-512 runs the emulation") }
    // The dispatching entry points take the best path.
    var c = [Float](repeating: 0, count: m * n)
    edge_gemm_w8a8(a, ascales, azeros, Int32(m), Int32(k), packed, packedScales, packedTerms, bias, Int32(n), 0, Int32(n), &c)
    results.paths.append(("dispatched", c, results.paths[2 * Int(edge_kernels_path())].ci))
    return results
  }

  /// Activations laid out [m][padded k] (`gemm` writes the zero points into the padding).
  static func activations(m: Int, k: Int, _ value: (Int, Int) -> Int8) -> [Int8] {
    let kp = Int(edge_padded_k(Int32(k)))
    var a = [Int8](repeating: 0, count: m * kp)
    for i in 0..<m { for j in 0..<k { a[i * kp + j] = value(i, j) } }
    return a
  }

  /// The emulation's checks flag programs that would fault on an AMX CPU (else a program
  /// breaking the tiles' rules could pass the GEMM tests here).
  @Test func amxEmulationFlagsBrokenTilePrograms() {
    #if arch(x86_64)
    #expect(edge_amx_emulation_catches_broken_programs() == 1)
    #endif
  }

  @Test(arguments: shapes.indices)
  func gemmIsBitIdenticalToTheReferenceOnRandomInputs(_ index: Int) {
    let (m, k, n) = Self.shapes[index]
    var numbers = Numbers(state: 100 + UInt64(index))
    let a = Self.activations(m: m, k: k) { _, _ in numbers.int8() }
    let w = (0..<n * k).map { _ in numbers.int8() }
    let result = Self.gemm(m: m, k: k, n: n, a: a, w: w, seed: UInt64(index))
    #expect(result.mismatched.isEmpty)
  }

  /// The packed fp32 GEMM on every path equals the reference bit for bit (both are chains of
  /// FMAs in k order), over column splits as threads make them.
  @Test(arguments: shapes.indices)
  func packedFP32GEMMIsBitIdenticalToTheReference(_ index: Int) {
    let (m, k, n) = Self.shapes[index]
    var numbers = Numbers(state: 500 + UInt64(index))
    let a = (0..<m * k).map { _ in numbers.float(-3...3) }
    let w = (0..<n * k).map { _ in numbers.float(-1...1) }
    let bias = (0..<n).map { _ in numbers.float() }
    var packed = [Float](repeating: .nan, count: edge_packed_f32_count(Int32(n), Int32(k)))
    edge_pack_f32(w, Int32(n), Int32(k), &packed)
    for withBias in [true, false] {
      var reference = [Float](repeating: 0, count: m * n)
      withBias ? edge_sgemm_ref(a, Int32(m), Int32(k), w, bias, Int32(n), &reference)
        : edge_sgemm_ref(a, Int32(m), Int32(k), w, nil, Int32(n), &reference)
      for path in Self.paths {
        var c = [Float](repeating: .nan, count: m * n)
        // Two column ranges, split at a panel boundary, as KernelThreads splits them.
        let split = Int32(min(n, 16 * ((n / 16 + 1) / 2)))
        for (begin, end) in [(Int32(0), split), (split, Int32(n))] where begin < end {
          let ran = withBias
            ? edge_sgemm_packed_on(path, a, Int32(m), Int32(k), packed, bias, Int32(n), begin, end, &c)
            : edge_sgemm_packed_on(path, a, Int32(m), Int32(k), packed, nil, Int32(n), begin, end, &c)
          #expect(ran == 0)
          // Nothing written past the range (the other thread's columns) yet.
          if begin == 0 && end < Int32(n) {
            #expect((0..<m).allSatisfy { row in c[row * n + Int(end)..<(row + 1) * n].allSatisfy(\.isNaN) }, "path \(path)")
          }
        }
        #expect(c.map(\.bitPattern) == reference.map(\.bitPattern), "path \(path), m \(m) k \(k) n \(n), bias \(withBias)")
      }
    }
  }

  /// Every product at its largest (activations ±127 and −128, weights ±127, zero points at both
  /// ends): the pair sums that would saturate a naive vpmaddubsw, and the zero point's share,
  /// stay exact.
  @Test(arguments: [
    (Int8(127), Int8(127), Int8(0)), (-127, 127, 0), (127, -127, 0), (-127, -127, 0), (-128, 127, 127), (-128, -127, 127),
    (127, 127, -128), (127, -127, -128),
  ])
  func extremesDoNotSaturate(_ av: Int8, _ wv: Int8, _ zero: Int8) {
    let (m, k, n) = (3, 1000, 19)
    let a = Self.activations(m: m, k: k) { _, _ in av }
    let w = [Int8](repeating: wv, count: n * k)
    let zeros = [Int8](repeating: zero, count: m * Int(edge_padded_k(Int32(k))) / 32)
    let result = Self.gemm(m: m, k: k, n: n, a: a, w: w, zeros: zeros, seed: 7)
    #expect(result.referenceInt.allSatisfy { $0 == (Int32(av) - Int32(zero)) * Int32(wv) * Int32(k) })
    #expect(result.mismatched.isEmpty)
  }

  /// −128 activations (the lowest code) are exact: |−128| is 128 unsigned, and 128 · 127 pair
  /// sums stay below 32767.
  @Test func minus128ActivationsAreExact() {
    let (m, k, n) = (2, 70, 17)
    var numbers = Numbers(state: 3)
    let a = Self.activations(m: m, k: k) { _, j in j % 3 == 0 ? -128 : numbers.int8() }
    let w = (0..<n * k).map { index in index % 2 == 0 ? Int8(127) : Int8(-127) }
    let result = Self.gemm(m: m, k: k, n: n, a: a, w: w, seed: 5)
    #expect(result.mismatched.isEmpty)
  }

  @Test func weightsOfMinus128AreClampedByTheQuantizer() {
    var q = [Int8](repeating: 0, count: 4)
    var s = [Float](repeating: 0, count: 1)
    edge_quantize_rows_s8([-2, 1, 0.5, 2], 1, 4, &q, &s)
    #expect(q == [-127, 64, 32, 127])
    #expect(s == [2 / 127])
  }

  @Test(arguments: [(1, 1), (17, 33), (64, 100), (31, 384), (5, 1536)])
  func gemvsAgreeWithTheirReferences(_ n: Int, _ k: Int) {
    var numbers = Numbers(state: UInt64(n * 1000 + k))
    let x = (0..<k).map { _ in numbers.float(-2...2) }
    let weights = (0..<n * k).map { _ in numbers.float() }
    let bias = (0..<n).map { _ in numbers.float() }
    let kp = Int(edge_padded_k(Int32(k)))
    var q8 = [Int8](repeating: 0, count: n * k)
    var s8 = [Float](repeating: 0, count: n)
    edge_quantize_rows_s8(weights, Int32(n), Int32(k), &q8, &s8)
    var q4 = [UInt8](repeating: 0, count: n * kp / 2)
    var s4 = [Float](repeating: 0, count: n * kp / 32)
    edge_quantize_rows_q4(weights, Int32(n), Int32(k), &q4, &s4)
    var y = [Float](repeating: 0, count: n), yr = y
    let tolerance = Float(k).squareRoot() * 1e-5 + 1e-5
    edge_gemv_q8(x, Int32(k), q8, s8, bias, 0, Int32(n), &y)
    edge_gemv_q8_ref(x, Int32(k), q8, s8, bias, 0, Int32(n), &yr)
    for (a, b) in zip(y, yr) { #expect(abs(a - b) <= tolerance * max(1, abs(b))) }
    edge_gemv_q4(x, Int32(k), q4, s4, bias, 0, Int32(n), &y)
    edge_gemv_q4_ref(x, Int32(k), q4, s4, bias, 0, Int32(n), &yr)
    for (a, b) in zip(y, yr) { #expect(abs(a - b) <= tolerance * max(1, abs(b))) }
  }

  @Test func q4NibblesHoldTheDocumentedLayout() {
    // Block of 32: element j in byte j's low nibble, element j + 16 in its high nibble.
    let row = (0..<32).map { Float($0 - 16) / 16 * 7 }
    var q = [UInt8](repeating: 0, count: 16)
    var s = [Float](repeating: 0, count: 1)
    edge_quantize_rows_q4(row, 1, 32, &q, &s)
    #expect(s == [7 / 7])
    for j in 0..<16 {
      #expect(Int(q[j] & 15) - 8 == Int((row[j]).rounded(.toNearestOrEven)))
      #expect(Int(q[j] >> 4) - 8 == min(7, Int((row[j + 16]).rounded(.toNearestOrEven))))
    }
  }
}
