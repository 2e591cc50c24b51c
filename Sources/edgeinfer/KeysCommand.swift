public import ArgumentParser
import EdgeRouting
import EdgeSecurity
import EdgeCluster
import EdgeServer
import Foundation
import Logging

/// API keys for routers started with `--api-keys FILE`: the file holds each key's id, name,
/// the SHA-256 of its secret and its rate limit; the key itself is printed once, at creation.
struct KeysCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "keys", abstract: "Create, list and revoke client API keys.", subcommands: [Create.self, List.self, Revoke.self])

  struct Create: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Make a key, store its hash, and print the key once.")
    @Option(help: "Key file (created if missing; routers read it with --api-keys).") var file: String
    @Option(help: "Name of the key's holder, unique in the file; logs and limits use it.") var name: String
    @Option(help: "Requests per second allowed (default: no limit).") var rate: Double?
    @Option(help: "Requests allowed at once above the rate (default: one second's worth).") var burst: Int?
    @Option(help: "infer (inference, metadata, statistics) or admin (also repository load/unload and usage).")
    var scope: CredentialScope = .infer
    @Option(help: "Bind the key's requests to these regions, comma-separated (data residency; default: no bound).")
    var regions: String?
    @Option(help: "Also append an audit record to this file.") var auditLog: String?

    func run() throws {
      guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
        throw ValidationError("--name must be letters, digits, '-', '_' or '.'")
      }
      if let rate, !(rate > 0 && rate.isFinite) { throw ValidationError("--rate must be a positive number") }
      if let burst, burst < 1 { throw ValidationError("--burst must be at least 1") }
      if burst != nil && rate == nil { throw ValidationError("--burst needs --rate") }
      var records = try APIKeyFile.load(file)
      guard !records.contains(where: { $0.name == name }) else {
        throw ValidationError("a key named '\(name)' exists in \(file); revoke it first")
      }
      var bound: [String]?
      if let regions {
        switch ResidencyBound.parse(regions) {
        case .success(let parsed): bound = parsed.names
        case .failure(let refusal): throw ValidationError("--regions: \(refusal)")
        }
      }
      let (token, record) = APIKey.generate(name: name, ratePerSecond: rate, burst: burst, scope: scope, regions: bound)
      records.append(record)
      try APIKeyFile.save(records, to: file)
      try KeysCommand.audit(auditLog, method: "keys.create", key: name, detail: "scope \(scope)\(bound.map { ", regions \($0.joined(separator: ","))" } ?? "")")
      // The only time the key is shown: the file keeps its hash.
      print(token)
      FileHandle.standardError.write(Data("key '\(name)' added to \(file); store it now, it is not shown again\n".utf8))
    }
  }

  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the keys in a file (names and limits, never secrets).")
    @Option(help: "Key file.") var file: String

    func run() throws {
      for record in try APIKeyFile.load(file).sorted(by: { $0.name < $1.name }) {
        let limit = record.ratePerSecond.map { "\($0)/s burst \(record.burst ?? Int($0.rounded(.up)))" } ?? "no limit"
        let regions = record.regions.map { $0.joined(separator: ",") } ?? "any region"
        print("\(record.name)\tei_\(record.id)_…\t\(record.effectiveScope)\t\(limit)\t\(regions)\t\(record.created)")
      }
    }
  }

  struct Revoke: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Remove a key; routers stop accepting it within a second.")
    @Option(help: "Key file.") var file: String
    @Option(help: "Name of the key to remove.") var name: String
    @Option(help: "Also append an audit record to this file.") var auditLog: String?

    func run() throws {
      let records = try APIKeyFile.load(file)
      guard records.contains(where: { $0.name == name }) else { throw ValidationError("no key named '\(name)' in \(file)") }
      try APIKeyFile.save(records.filter { $0.name != name }, to: file)
      try KeysCommand.audit(auditLog, method: "keys.revoke", key: name, detail: "")
      print("revoked \(name)")
    }
  }

  /// An audit record of a key change made here, credited to the operating user (routers
  /// reading the file audit the change too, when they reload it).
  static func audit(_ path: String?, method: String, key: String, detail: String) throws {
    guard let path else { return }
    let operatorName = ProcessInfo.processInfo.environment["USER"] ?? "uid \(getuid())"
    try AuditLog(path: path, logger: Logger(label: "edgeinfer keys")).write(
      AuditRecord(
        credential: operatorName, peer: "", listener: "keys", method: method, model: "", version: "",
        result: detail.isEmpty ? "OK: \(key)" : "OK: \(key), \(detail)"))
  }
}

extension CredentialScope: ExpressibleByArgument {}
