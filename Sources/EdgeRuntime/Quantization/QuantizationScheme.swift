/// How a model version's weights are stored and which kernels multiply them.
public enum QuantizationScheme: String, Sendable, CaseIterable {
  /// fp32 weights; the packed fp32 GEMM (OpenBLAS on CPUs without AVX2).
  case f32
  /// int8 weights in blocks of 32 along K and int8 activations in the same blocks (each with a
  /// step and a zero point), quantized on the fly; the W8A8 GEMM (and it for batch 1 too).
  case w8a8
  /// int8 weights per output channel, fp32 activations (weight-only); the Q8 GEMV per row.
  case w8
  /// int4 weights in blocks of 32 with one scale each, fp32 activations (weight-only); the Q4
  /// GEMV per row.
  case q4

  /// The safetensors metadata key that names a version's scheme (absent means f32).
  public static let metadataKey = "quantization"
}
