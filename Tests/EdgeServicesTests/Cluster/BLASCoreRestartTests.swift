import EdgeCluster
import Foundation
import Testing

/// The real `edgeinfer` restarts itself with `OPENBLAS_CORETYPE` set when asked for another core,
/// says so on standard error and reports the core it then runs; the user's variable is never
/// overridden. (On this project's x86-64 machines OpenBLAS ships Sandybridge kernels and never
/// chooses them itself, so asking for them always takes the restart.)
@Suite(.serialized) struct BLASCoreRestartTests {
  static func run(_ environment: [String: String]) throws -> (stdout: String, stderr: String, status: Int32) {
    let process = Process()
    process.executableURL = try LocalCluster.locate("edgeinfer")
    process.arguments = ["bench", "kernels", "--filter", "no-such-case", "--repetitions", "1"]
    var inherited = ProcessInfo.processInfo.environment
    for name in ["OPENBLAS_CORETYPE", "EDGEINFER_BLAS_CORE", "EDGEINFER_BLAS_RESTARTED"] { inherited[name] = nil }
    process.environment = inherited.merging(environment) { _, new in new }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self), process.terminationStatus)
  }

  #if arch(x86_64) && os(Linux)
    @Test func askedForAnotherCoreItRestartsOnceAndRunsIt() throws {
      let result = try Self.run(["EDGEINFER_BLAS_CORE": "Sandybridge"])
      #expect(result.status == 0)
      #expect(result.stdout.contains("BLAS core: Sandybridge (OpenBLAS chose "))
      #expect(result.stderr.contains("restarted with OPENBLAS_CORETYPE=Sandybridge"))
      #expect(result.stderr.components(separatedBy: "restarted with").count == 2)
    }

    @Test func theUsersVariableIsKeptWithoutARestart() throws {
      let result = try Self.run(["OPENBLAS_CORETYPE": "Sandybridge", "EDGEINFER_BLAS_CORE": "Haswell"])
      #expect(result.status == 0)
      #expect(result.stdout.contains("BLAS core: Sandybridge\n") || result.stdout.contains("BLAS core: Sandybridge\nwarning"))
      #expect(!result.stderr.contains("restarted"))
    }

    @Test func turnedOffItKeepsOpenBLASsChoice() throws {
      let result = try Self.run(["EDGEINFER_BLAS_CORE": "keep"])
      #expect(result.status == 0)
      #expect(!result.stderr.contains("restarted"))
      #expect(!result.stdout.contains("OpenBLAS chose"))
    }
  #endif
}
