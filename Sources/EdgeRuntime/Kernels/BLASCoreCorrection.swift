import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Applies BLASCoreChoice at the start of a process that runs fp32 kernels (edgeinfer,
/// edge-node, edge-executor): restarts the process with `OPENBLAS_CORETYPE` set when OpenBLAS
/// chose kernels older than the CPU runs, and says so on standard error.
public enum BLASCoreCorrection {
  /// Call first in `main`, before any thread or work starts: a restart replaces the process.
  /// Returns only when no restart happened (or it failed, which is said and survived).
  public static func restartIfNeeded(program: String) {
    #if os(Linux)
      let environment = ProcessInfo.processInfo.environment
      let cpu = CPUDescription.flagsAndVendor()
      let chosen = BLAS.coreName
      let pid = getpid()
      switch BLASCoreChoice.decide(environment: environment, chosenCore: chosen, features: cpu.flags, vendor: cpu.vendor, pid: pid) {
      case .keep(.restarted(let from, let to)):
        let asked = environment[BLASCoreChoice.coreVariable] ?? to
        if to.lowercased() != asked.lowercased() {
          report(program, "restarted with \(BLASCoreChoice.coreVariable)=\(asked), but OpenBLAS chose its \(to) kernels (it chose \(from) before): the variable had no effect in this OpenBLAS")
          return
        }
        let why = environment[BLASCoreChoice.requestVariable].map { "as \(BLASCoreChoice.requestVariable)=\($0) asks" } ?? "the newest this CPU runs"
        report(program, "OpenBLAS chose its \(from) kernels; restarted with \(BLASCoreChoice.coreVariable)=\(to), \(why) (set \(BLASCoreChoice.coreVariable) yourself, or \(BLASCoreChoice.requestVariable)=keep, to choose)")
      case .keep:
        return
      case .restart(let core):
        let next = BLASCoreChoice.restartEnvironment(environment, core: core, chosenCore: chosen, pid: pid)
        let envp = next.map { strdup("\($0.key)=\($0.value)") } + [nil]
        execve("/proc/self/exe", CommandLine.unsafeArgv, envp)
        // Only reached when execve failed: carry on with OpenBLAS's own choice.
        report(program, "could not restart with \(BLASCoreChoice.coreVariable)=\(core) (\(String(cString: strerror(errno)))); OpenBLAS keeps its \(chosen) kernels")
        for pointer in envp { free(pointer) }
      }
    #endif
  }

  private static func report(_ program: String, _ message: String) {
    FileHandle.standardError.write(Data("\(program): \(message)\n".utf8))
  }
}
