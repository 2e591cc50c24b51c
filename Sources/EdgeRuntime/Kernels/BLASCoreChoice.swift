/// What a process does about the core OpenBLAS chose, decided at start-up before any fp32 work.
/// OpenBLAS reads `OPENBLAS_CORETYPE` once, as it loads, so the only correction possible from
/// inside a process is to restart it (execve of itself) with the variable set. Pure: the
/// environment, the chosen core, the CPU's flags and vendor and the process id in.
///
/// - `OPENBLAS_CORETYPE` set by the user always wins (some machines set it on purpose).
/// - `EDGEINFER_BLAS_CORE=keep` turns the correction off; `EDGEINFER_BLAS_CORE=<core>` asks for
///   that core whatever the CPU (for an operator who knows better, and to test the restart).
/// - Otherwise a core of a lower level than the CPU runs (BLASCoreCheck) is corrected to the best
///   one the CPU runs.
/// - A process restarted for this never restarts again (the marker names its pid, which execve
///   keeps); children that inherit the marker and the variable only use them.
public enum BLASCoreChoice: Equatable, Sendable {
  /// Leave OpenBLAS as it is, for `reason`.
  case keep(Reason)
  /// Restart this process with `OPENBLAS_CORETYPE=core`.
  case restart(core: String)

  public enum Reason: Equatable, Sendable {
    /// The chosen core is the right one for the CPU (or one this check does not rank).
    case right
    /// `OPENBLAS_CORETYPE` was set by the user (or inherited from a corrected parent).
    case setInEnvironment(String)
    /// `EDGEINFER_BLAS_CORE=keep`.
    case turnedOff
    /// This process is the restart: OpenBLAS chose `from` before it, `to` now.
    case restarted(from: String, to: String)
  }

  public static let coreVariable = "OPENBLAS_CORETYPE"
  public static let requestVariable = "EDGEINFER_BLAS_CORE"
  /// `<pid>:<core chosen before the restart>`, set on the restart.
  public static let markerVariable = "EDGEINFER_BLAS_RESTARTED"

  public static func decide(
    environment: [String: String], chosenCore: String, features: Set<String>, vendor: String, pid: Int32
  ) -> BLASCoreChoice {
    if let marker = environment[markerVariable] {
      let parts = marker.split(separator: ":", maxSplits: 1).map(String.init)
      if parts.count == 2, parts[0] == String(pid) { return .keep(.restarted(from: parts[1], to: chosenCore)) }
    }
    if let set = environment[coreVariable], !set.isEmpty { return .keep(.setInEnvironment(set)) }
    switch environment[requestVariable]?.lowercased() {
    case "keep":
      return .keep(.turnedOff)
    case let requested? where !requested.isEmpty && requested != "auto":
      return requested == chosenCore.lowercased() ? .keep(.right) : .restart(core: environment[requestVariable]!)
    default:
      guard let better = BLASCoreCheck.correction(core: chosenCore, features: features, vendor: vendor) else { return .keep(.right) }
      return .restart(core: better)
    }
  }

  /// The environment for the restart: the core asked for and the marker.
  public static func restartEnvironment(_ environment: [String: String], core: String, chosenCore: String, pid: Int32) -> [String: String] {
    var next = environment
    next[coreVariable] = core
    next[markerVariable] = "\(pid):\(chosenCore)"
    return next
  }
}
