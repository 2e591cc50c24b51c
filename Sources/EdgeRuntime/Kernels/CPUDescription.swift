import CEdgeKernels
import Foundation

/// What a benchmark ran on: the CPU's model, the features the kernels care about, the kernel path
/// chosen, and the core the BLAS tuned itself for. Figures from different CPUs are not comparable,
/// so every benchmark prints this first (docs/BENCHMARKS.md keeps a table per CPU).
public struct CPUDescription: Sendable, Codable {
  public var model: String
  /// Of avx2, fma, avx512f, avx512bw, avx512_vnni, avx_vnni, amx_int8: the ones the CPU has.
  public var features: [String]
  public var kernelPath: String
  public var blasCore: String

  public static let relevantFeatures = ["avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "amx_int8"]

  public static var current: CPUDescription {
    var model = "unknown"
    var flags: Set<String> = []
    if let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) {
      for line in info.split(separator: "\n") {
        let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2 else { continue }
        if parts[0] == "model name", model == "unknown" { model = parts[1] }
        if parts[0] == "flags", flags.isEmpty { flags = Set(parts[1].split(separator: " ").map(String.init)) }
      }
      // The family and model numbers name a CPU where the model name does not ("AMD EPYC").
      if let family = Self.field("cpu family", in: info), let number = Self.field("model", in: info) {
        model += " (family \(family), model \(number))"
      }
    }
    return CPUDescription(
      model: model, features: relevantFeatures.filter(flags.contains), kernelPath: KernelBenchmark.kernelPath,
      blasCore: BLAS.coreName)
  }

  /// One line for a benchmark's header.
  public var summary: String {
    "cpu: \(model); features: \(features.isEmpty ? "none of interest" : features.joined(separator: " ")); kernels: \(kernelPath); BLAS core: \(blasCore)"
  }

  private static func field(_ name: String, in info: String) -> String? {
    for line in info.split(separator: "\n") {
      let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
      if parts.count == 2, parts[0] == name { return parts[1] }
    }
    return nil
  }
}
