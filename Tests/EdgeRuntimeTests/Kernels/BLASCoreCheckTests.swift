import EdgeRuntime
import Testing

/// When OpenBLAS's choice of core is too old for the CPU, and what it should have been.
struct BLASCoreCheckTests {
  static let xeonSapphire: Set<String> = ["sse3", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd", "avx512_vnni", "avx512_bf16", "amx_int8"]
  static let skylakeServer: Set<String> = ["sse3", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]
  static let zen3: Set<String> = ["sse3", "avx", "avx2", "fma"]

  @Test func anAVX512CPUOnPrescottKernelsIsCorrected() {
    // The case seen on an Intel Xeon (family 6, model 207) with Debian's OpenBLAS 0.3.21.
    #expect(BLASCoreCheck.correction(core: "Prescott", features: Self.xeonSapphire, vendor: "GenuineIntel") == "Cooperlake")
    #expect(BLASCoreCheck.correction(core: "Prescott", features: Self.skylakeServer, vendor: "GenuineIntel") == "SkylakeX")
    #expect(BLASCoreCheck.correction(core: "Haswell", features: Self.skylakeServer, vendor: "GenuineIntel") == "SkylakeX")
  }

  @Test func anAVX2CPUGetsItsVendorsCore() {
    #expect(BLASCoreCheck.correction(core: "Prescott", features: Self.zen3, vendor: "AuthenticAMD") == "Zen")
    #expect(BLASCoreCheck.correction(core: "Nehalem", features: Self.zen3, vendor: "GenuineIntel") == "Haswell")
  }

  @Test func aRightOrNewerChoiceIsLeftAlone() {
    // This machine's Zen 4 with its AVX-512 and BF16: OpenBLAS picks Cooperlake, which is right.
    let zen4 = Self.skylakeServer.union(["avx512_vnni", "avx512_bf16"])
    #expect(BLASCoreCheck.correction(core: "Cooperlake", features: zen4, vendor: "AuthenticAMD") == nil)
    #expect(BLASCoreCheck.correction(core: "SkylakeX", features: Self.skylakeServer, vendor: "GenuineIntel") == nil)
    #expect(BLASCoreCheck.correction(core: "Zen", features: Self.zen3, vendor: "AuthenticAMD") == nil)
    // The same level counts as right: Haswell's and Zen's kernels are both AVX2.
    #expect(BLASCoreCheck.correction(core: "Haswell", features: Self.zen3, vendor: "AuthenticAMD") == nil)
    // A core this check does not know, or a CPU without the features, is never second-guessed.
    #expect(BLASCoreCheck.correction(core: "NeoverseN1", features: Self.zen3, vendor: "AuthenticAMD") == nil)
    #expect(BLASCoreCheck.correction(core: "Prescott", features: ["sse3"], vendor: "GenuineIntel") == nil)
  }
}
