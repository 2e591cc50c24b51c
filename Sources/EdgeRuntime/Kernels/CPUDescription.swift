import CEdgeKernels
import Foundation

/// What a benchmark ran on: the CPU's model, the features the kernels care about, the kernel path
/// chosen, and the core the BLAS tuned itself for. Figures from different CPUs are not comparable,
/// so every benchmark prints this first (docs/BENCHMARKS.md keeps a table per CPU).
public struct CPUDescription: Sendable, Codable {
  public var model: String
  /// Of avx2, fma, avx512f, avx512bw, avx512vl, avx512_vnni, avx_vnni, amx_int8: the ones the CPU has.
  public var features: [String]
  public var kernelPath: String
  public var blasCore: String
  /// The core OpenBLAS should have chosen when the one it chose is older (its fp32 figures are
  /// then not a fair baseline); nil when its choice is right.
  public var betterBLASCore: String?
  /// The core OpenBLAS chose before EdgeInfer restarted the process (or its parent) with
  /// `OPENBLAS_CORETYPE` set (BLASCoreCorrection); nil when no correction was made.
  public var blasCoreCorrectedFrom: String?
  /// The core the restart asked OpenBLAS for (`OPENBLAS_CORETYPE`), when it made one.
  public var blasCoreAsked: String?

  public static let relevantFeatures = ["avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx_vnni", "amx_int8"]

  public static var current: CPUDescription {
    let cpu = flagsAndVendor()
    let core = BLAS.coreName
    return CPUDescription(
      model: cpu.model, features: relevantFeatures.filter(cpu.flags.contains), kernelPath: KernelBenchmark.kernelPath,
      blasCore: core, betterBLASCore: BLASCoreCheck.correction(core: core, features: cpu.flags, vendor: cpu.vendor),
      blasCoreCorrectedFrom: ProcessInfo.processInfo.environment[BLASCoreChoice.markerVariable]
        .flatMap { $0.split(separator: ":", maxSplits: 1).last.map(String.init) },
      blasCoreAsked: ProcessInfo.processInfo.environment[BLASCoreChoice.markerVariable]
        .flatMap { _ in ProcessInfo.processInfo.environment[BLASCoreChoice.coreVariable] })
  }

  /// The CPU's model name (with family and model numbers), its flags as /proc/cpuinfo spells
  /// them, and its vendor ("GenuineIntel", "AuthenticAMD"); empty where /proc/cpuinfo is not.
  static func flagsAndVendor() -> (model: String, flags: Set<String>, vendor: String) {
    var model = "unknown"
    var vendor = ""
    var flags: Set<String> = []
    if let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) {
      for line in info.split(separator: "\n") {
        let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2 else { continue }
        if parts[0] == "model name", model == "unknown" { model = parts[1] }
        if parts[0] == "vendor_id", vendor.isEmpty { vendor = parts[1] }
        if parts[0] == "flags", flags.isEmpty { flags = Set(parts[1].split(separator: " ").map(String.init)) }
      }
      // The family and model numbers name a CPU where the model name does not ("AMD EPYC").
      if let family = Self.field("cpu family", in: info), let number = Self.field("model", in: info) {
        model += " (family \(family), model \(number))"
      }
    }
    return (model, flags, vendor)
  }

  /// One line for a benchmark's header.
  public var summary: String {
    var line = "cpu: \(model); features: \(features.isEmpty ? "none of interest" : features.joined(separator: " ")); kernels: \(kernelPath); BLAS core: \(blasCore)"
    if let blasCoreCorrectedFrom { line += " (OpenBLAS chose \(blasCoreCorrectedFrom); restarted with OPENBLAS_CORETYPE=\(blasCoreAsked ?? blasCore))" }
    if let betterBLASCore {
      line += "\nwarning: OpenBLAS chose its \(blasCore) kernels, older than this CPU can run: its fp32 figures are not a fair baseline; unset OPENBLAS_CORETYPE and EDGEINFER_BLAS_CORE so that EdgeInfer corrects it, or run with OPENBLAS_CORETYPE=\(betterBLASCore)"
    }
    return line
  }

  private static func field(_ name: String, in info: String) -> String? {
    for line in info.split(separator: "\n") {
      let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
      if parts.count == 2, parts[0] == name { return parts[1] }
    }
    return nil
  }
}
