import ArgumentParser
import EdgeSecurity
import Foundation

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
      let (token, record) = APIKey.generate(name: name, ratePerSecond: rate, burst: burst)
      records.append(record)
      try APIKeyFile.save(records, to: file)
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
        print("\(record.name)\tei_\(record.id)_…\t\(limit)\t\(record.created)")
      }
    }
  }

  struct Revoke: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Remove a key; routers stop accepting it within a second.")
    @Option(help: "Key file.") var file: String
    @Option(help: "Name of the key to remove.") var name: String

    func run() throws {
      let records = try APIKeyFile.load(file)
      guard records.contains(where: { $0.name == name }) else { throw ValidationError("no key named '\(name)' in \(file)") }
      try APIKeyFile.save(records.filter { $0.name != name }, to: file)
      print("revoked \(name)")
    }
  }
}
