/// Whether OpenBLAS tuned itself for a core older than the CPU it runs on. Debian's OpenBLAS
/// 0.3.21 does not know some newer CPUs and falls back to its Prescott (SSE3) kernels, about 5×
/// slower than its AVX-512 ones on the same machine: an fp32 baseline measured that way is not a
/// result. Pure: the core name, the CPU's flags (as /proc/cpuinfo spells them) and its vendor in.
public enum BLASCoreCheck {
  /// The instruction-set level OpenBLAS's x86-64 cores use: 1 SSE, 2 AVX, 3 AVX2, 4 AVX-512.
  /// Nil for a name not listed here (never second-guessed).
  public static func level(of core: String) -> Int? {
    switch core.lowercased() {
    case "prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "athlon", "opteron", "opteron_sse3", "barcelona",
      "bobcat", "nano":
      return 1
    case "sandybridge", "bulldozer", "piledriver", "steamroller":
      return 2
    case "haswell", "zen", "excavator":
      return 3
    case "skylakex", "cooperlake", "sapphirerapids":
      return 4
    default:
      return nil
    }
  }

  /// The newest core OpenBLAS 0.3.21 has whose features the CPU has (what `OPENBLAS_CORETYPE`
  /// should name), or nil when the CPU has none of those features.
  public static func best(features: Set<String>, vendor: String) -> String? {
    let avx512 = ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"].allSatisfy(features.contains)
    if avx512 { return features.contains("avx512_bf16") ? "Cooperlake" : "SkylakeX" }
    if features.contains("avx2"), features.contains("fma") { return vendor == "AuthenticAMD" ? "Zen" : "Haswell" }
    if features.contains("avx") { return "Sandybridge" }
    return nil
  }

  /// The core to ask OpenBLAS for when the one it chose is of a lower level than the CPU can
  /// run; nil when its choice is right (or unknown to this check).
  public static func correction(core: String, features: Set<String>, vendor: String) -> String? {
    guard let chosen = level(of: core), let better = best(features: features, vendor: vendor),
      let target = level(of: better), target > chosen
    else { return nil }
    return better
  }
}
