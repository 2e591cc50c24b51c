import ArgumentParser
import EdgeCluster
import EdgeServer
import Foundation

/// Failover drills on real processes: a router and three nodes on loopback (two in the
/// clients' region, one across the Atlantic), closed-loop load from London, a fault partway.
struct DrillCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "drill",
    abstract: "Kill or freeze nodes of a local cluster under load and report what the clients saw.",
    discussion: """
      Faults: kill (SIGKILL one node of the nearest region), freeze (SIGSTOP it, SIGCONT after \
      --freeze-ms), region (SIGKILL the whole nearest region), outage (SIGKILL every node), \
      restart (SIGTERM each node in turn and start it again: a rolling restart), all. \
      Each fault gets a fresh cluster. Use release builds for figures.
      """)

  @Option(help: "kill, freeze, region, outage, restart or all.") var fault = "all"
  @Option(help: "Requests to send per drill (the load runs on until the fault's script ends).") var requests = 2000
  @Option(help: "Closed-loop clients.") var concurrency = 8
  @Option(help: "Deadline of each request in milliseconds.") var timeoutMs = 2000
  @Option(help: "How long a frozen node stays frozen, in milliseconds.") var freezeMs = 4000
  @Option(help: "How long the load runs into a total outage, in milliseconds.") var outageMs = 3000
  @Option(help: "Model repository (needs digits).") var models = "models"
  @Flag(help: "One JSON report per line.") var json = false
  @Flag(help: "Keep each drill's folder (certificates and the processes' logs) and print where.") var keepLogs = false

  func run() async throws {
    let faults: [DrillFault]
    if fault == "all" {
      faults = DrillFault.allCases
    } else if let one = DrillFault(rawValue: fault) {
      faults = [one]
    } else {
      throw ValidationError("--fault must be one of \(DrillFault.allCases.map(\.rawValue).joined(separator: ", ")), all")
    }
    guard requests > 0, concurrency > 0, timeoutMs > 0, freezeMs > 0, outageMs > 0 else {
      throw ValidationError("--requests, --concurrency and the times must be positive")
    }
    _ = InterruptSignal()
    var failed = false
    for fault in faults {
      var drill = FailoverDrill(fault: fault)
      drill.requests = requests
      drill.concurrency = concurrency
      drill.timeout = .milliseconds(timeoutMs)
      drill.freezeFor = .milliseconds(freezeMs)
      drill.outageFor = .milliseconds(outageMs)
      let folder = FileManager.default.temporaryDirectory.appendingPathComponent("edgeinfer-drill-\(getpid())-\(fault)").path
      let cluster = LocalCluster(topology: FailoverDrill.topology, directory: folder, models: models)
      let keep = keepLogs
      defer {
        cluster.stop()
        if keep {
          FileHandle.standardError.write(Data("logs of the \(fault) drill: \(cluster.logDirectory)\n".utf8))
        } else {
          try? FileManager.default.removeItem(atPath: folder)
        }
      }
      try await cluster.start()
      try await cluster.waitUntilHealthy(count: FailoverDrill.topology.nodes.count)
      let quiet = json
      if !quiet { print("\n== \(fault): \(requests) requests, \(concurrency) clients, \(timeoutMs) ms deadlines") }
      let report = try await drill.run(on: cluster) { line in
        if !quiet { print("   \(line)") }
      }
      if json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
      } else {
        print(Self.describe(report))
      }
      // An outage fails requests by design; every other drill must lose none.
      if fault != .outage && report.failed > 0 { failed = true }
      if fault == .outage, (report.attemptsPerRequestDuringOutage ?? 0) > 1.2 { failed = true }
    }
    if failed { throw ExitCode(1) }
  }

  static func describe(_ report: DrillReport) -> String {
    func f(_ value: Double?, _ digits: Int = 2) -> String { value.map { String(format: "%.\(digits)f", $0) } ?? "-" }
    var lines = [
      "   requests \(report.requests): ok \(report.ok), failed \(report.failed)"
        + (report.failures.isEmpty ? "" : " \(report.failures.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))"),
      "   answered by: \(report.answeredBy.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))",
      "   fault at \(f(report.faultAtSeconds)) s; \(report.requestsAfterFault) requests after it, slowest \(f(report.maxLatencyAfterFaultMs, 1)) ms",
      "   router: \(f(report.attemptsPerRequest, 3)) attempts per request, \(report.routerRescues ?? 0) rescues, \(report.routerBudgetExhausted ?? 0) failovers refused by the budget",
    ]
    if let out = report.outOfRotationSeconds { lines.append("   out of rotation \(f(out)) s after SIGSTOP") }
    if let back = report.backInRotationSeconds { lines.append("   back in rotation \(f(back)) s after SIGCONT") }
    if let next = report.nextRegionFirstAnswerSeconds { lines.append("   first answer from the next region \(f(next, 3)) s after the kill") }
    for (node, seconds) in report.restartSeconds.sorted(by: { $0.key < $1.key }) {
      lines.append("   \(node) back in rotation \(f(seconds)) s after its SIGTERM")
    }
    if let outage = report.attemptsPerRequestDuringOutage {
      lines.append("   during the outage: \(report.routerRequestsDuringOutage ?? 0) requests, \(f(outage, 3)) attempts per request")
    }
    for (code, example) in report.failureExamples.sorted(by: { $0.key < $1.key }) { lines.append("   e.g. \(code): \(example)") }
    return lines.joined(separator: "\n")
  }
}
