import ArgumentParser
import EdgeRuntime
import Foundation

struct BenchCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench", abstract: "Benchmarks, as ratios against a baseline measured in the same run.",
    subcommands: [Kernels.self, ModelBenchCommand.self, FidelityBenchCommand.self, ServeBenchCommand.self, CallFloorCommand.self])

  struct Kernels: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Our kernels against OpenBLAS sgemm/sgemv, alternating; build with -c release.")

    @Option(help: "Threads for both ours and OpenBLAS.") var threads = 1
    @Option(help: "Timed repetitions of each side (medians are reported).") var repetitions = 7
    @Option(help: "Only cases whose name contains this.") var filter: String?
    @Flag(help: "Print a JSON list of rows.") var json = false
    @Option(help: "Cap the kernel path (reference, avx2, avx-vnni, avx512-vnni, amx-int8), to compare paths on one CPU; default: the best the CPU has.")
    var kernelPath: KernelPathOption?

    func run() throws {
      guard threads >= 1, repetitions >= 1 else { throw ValidationError("--threads and --repetitions must be positive") }
      kernelPath?.apply()
      #if DEBUG
        FileHandle.standardError.write(Data("warning: a debug build; measure with 'swift build -c release'\n".utf8))
      #endif
      let benchmark = KernelBenchmark(repetitions: repetitions)
      let cases = KernelBenchmark.standardCases.filter { filter == nil || $0.name.contains(filter!) }
      var rows: [KernelBenchmark.Row] = []
      if !json {
        print(CPUDescription.current.summary)
        print("threads: \(threads), repetitions: \(repetitions) (medians, GFLOP/s)")
      }
      for benchCase in cases {
        let row = benchmark.run(benchCase, threads: threads)
        rows.append(row)
        if !json {
          print(String(
            format: "%-28@ m=%-5d n=%-5d k=%-5d ours %7.1f [%6.1f-%6.1f]  openblas %7.1f [%6.1f-%6.1f]  ratio %.2fx",
            row.name as NSString, row.m, row.n, row.k, row.ours, row.oursRange[0], row.oursRange[1], row.openblas,
            row.openblasRange[0], row.openblasRange[1], row.ratio))
        }
      }
      if json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(rows), as: UTF8.self))
      }
    }
  }
}
