import ArgumentParser
import EdgeClient
import EdgeMetering
import EdgeProto
import EdgeSecurity
import Foundation

/// Usage by credential and model, summed across the routers given (each meters what passed
/// through it), with an admin credential.
struct UsageCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "usage", abstract: "Requests, rows, bytes and compute by credential and model, summed over the routers given (admin).")

  @OptionGroup var connection: ConnectionOptions
  @Option(help: "From this long ago (90s, 30m, 1h, 7d) or this instant (2026-12-01T00:00:00Z); default: all time.") var since: String?
  @Flag(help: "JSON instead of a table.") var json = false

  func run() async throws {
    var sinceSeconds: Int64?
    if let since {
      guard let parsed = UsageSince.parse(since) else {
        throw ValidationError("--since takes a span (90s, 30m, 1h, 7d) or an ISO 8601 instant, not '\(since)'")
      }
      sinceSeconds = parsed
    }
    let routers = try connection.router.split(separator: ",").map { try ServiceAddress(parsing: String($0)) }
    var totals: [UsageKey: UsageTotals] = [:]
    var answered: [String] = []
    for router in routers {
      var configuration = try connection.adminConfiguration()
      configuration.target = router
      configuration.fallbackTargets = []
      let response = try await EdgeInferenceClient.withClient(configuration) { try await $0.usage(since: sinceSeconds) }
      answered.append(response.routerID)
      for row in response.rows {
        totals[UsageKey(credential: row.credential, model: row.model), default: UsageTotals()] += UsageTotals(
          requests: row.requests, rows: row.rows, inputBytes: row.inputBytes, outputBytes: row.outputBytes,
          computeMicroseconds: row.computeUs)
      }
    }
    let rows = totals.sorted { $0.key < $1.key }
    if json {
      let objects: [[String: Any]] = rows.map { key, value in
        [
          "credential": key.credential, "model": key.model, "requests": value.requests, "rows": value.rows,
          "input_bytes": value.inputBytes, "output_bytes": value.outputBytes, "compute_us": value.computeMicroseconds,
        ]
      }
      let document: [String: Any] = ["routers": answered, "since_unix_seconds": sinceSeconds ?? 0, "usage": objects]
      let data = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])
      print(String(decoding: data, as: UTF8.self))
      return
    }
    var table = TextTable(header: ["credential", "model", "requests", "rows", "input bytes", "output bytes", "compute ms"])
    for (key, value) in rows {
      table.add([
        key.credential, key.model, "\(value.requests)", "\(value.rows)", "\(value.inputBytes)", "\(value.outputBytes)",
        String(format: "%.1f", Double(value.computeMicroseconds) / 1000),
      ])
    }
    print(table.render())
    FileHandle.standardError.write(Data("routers: \(answered.joined(separator: ", "))\n".utf8))
  }
}
