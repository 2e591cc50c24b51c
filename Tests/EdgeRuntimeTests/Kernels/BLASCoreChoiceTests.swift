import EdgeRuntime
import Testing

/// What a process does about OpenBLAS's core: the user's variable wins, the request variable
/// turns the correction off or names a core, a core older than the CPU is corrected once, and a
/// restarted process never restarts again.
@Suite struct BLASCoreChoiceTests {
  static let xeon: Set<String> = ["avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd", "avx512_vnni", "avx512_bf16"]
  static let epyc: Set<String> = ["avx", "avx2", "fma"]

  func decide(_ environment: [String: String] = [:], core: String = "Prescott", features: Set<String> = xeon, vendor: String = "GenuineIntel", pid: Int32 = 42) -> BLASCoreChoice {
    BLASCoreChoice.decide(environment: environment, chosenCore: core, features: features, vendor: vendor, pid: pid)
  }

  @Test func anOlderCoreIsCorrectedToTheBestTheCPURuns() {
    #expect(decide() == .restart(core: "Cooperlake"))
    #expect(decide(features: Self.xeon.subtracting(["avx512_bf16"])) == .restart(core: "SkylakeX"))
    #expect(decide(features: Self.epyc, vendor: "AuthenticAMD") == .restart(core: "Zen"))
    #expect(decide(core: "Sandybridge", features: Self.epyc) == .restart(core: "Haswell"))
  }

  @Test func aRightOrUnrankedCoreIsKept() {
    #expect(decide(core: "Cooperlake") == .keep(.right))
    #expect(decide(core: "SapphireRapids") == .keep(.right))
    #expect(decide(core: "Zen", features: Self.epyc, vendor: "AuthenticAMD") == .keep(.right))
    #expect(decide(core: "Haswell", features: Self.epyc) == .keep(.right))
    #expect(decide(core: "Prescott", features: ["sse3"]) == .keep(.right))
    #expect(decide(core: "NeoverseN1") == .keep(.right))
  }

  @Test func theUsersVariableAlwaysWins() {
    #expect(decide(["OPENBLAS_CORETYPE": "Prescott"]) == .keep(.setInEnvironment("Prescott")))
    #expect(decide(["OPENBLAS_CORETYPE": "Haswell", "EDGEINFER_BLAS_CORE": "SkylakeX"]) == .keep(.setInEnvironment("Haswell")))
    // Empty is unset.
    #expect(decide(["OPENBLAS_CORETYPE": ""]) == .restart(core: "Cooperlake"))
  }

  @Test func theRequestVariableTurnsItOffOrNamesACore() {
    #expect(decide(["EDGEINFER_BLAS_CORE": "keep"]) == .keep(.turnedOff))
    #expect(decide(["EDGEINFER_BLAS_CORE": "KEEP"]) == .keep(.turnedOff))
    #expect(decide(["EDGEINFER_BLAS_CORE": "Auto"]) == .restart(core: "Cooperlake"))
    #expect(decide(["EDGEINFER_BLAS_CORE": "auto"]) == .restart(core: "Cooperlake"))
    #expect(decide(["EDGEINFER_BLAS_CORE": ""]) == .restart(core: "Cooperlake"))
    #expect(decide(["EDGEINFER_BLAS_CORE": "Sandybridge"], core: "Cooperlake") == .restart(core: "Sandybridge"))
    #expect(decide(["EDGEINFER_BLAS_CORE": "sandybridge"], core: "Sandybridge") == .keep(.right))
  }

  @Test func aRestartedProcessNeverRestartsAgainAndItsChildrenOnlyInherit() {
    let environment = BLASCoreChoice.restartEnvironment(["PATH": "/bin"], core: "Cooperlake", chosenCore: "Prescott", pid: 42)
    #expect(environment == ["PATH": "/bin", "OPENBLAS_CORETYPE": "Cooperlake", "EDGEINFER_BLAS_RESTARTED": "42:Prescott"])
    // The same process after execve (same pid): told what was done, even if OpenBLAS refused.
    #expect(decide(environment, core: "Cooperlake") == .keep(.restarted(from: "Prescott", to: "Cooperlake")))
    #expect(decide(environment, core: "Prescott") == .keep(.restarted(from: "Prescott", to: "Prescott")))
    // A child: the variable is set, so it is used as the user's would be.
    #expect(decide(environment, core: "Cooperlake", pid: 43) == .keep(.setInEnvironment("Cooperlake")))
    // A marker without the variable (someone unset it) restarts a child, never the same pid.
    #expect(decide(["EDGEINFER_BLAS_RESTARTED": "42:Prescott"], pid: 43) == .restart(core: "Cooperlake"))
    #expect(decide(["EDGEINFER_BLAS_RESTARTED": "garbled"]) == .restart(core: "Cooperlake"))
  }
}
