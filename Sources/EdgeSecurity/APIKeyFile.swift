import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The router's key file: JSON `{"keys": [APIKeyRecord…]}`, written 0600. It holds digests
/// only, so reading it does not reveal a key, but it decides who gets in.
public enum APIKeyFile {
  struct Contents: Codable {
    var keys: [APIKeyRecord]
  }

  public static func load(_ path: String) throws -> [APIKeyRecord] {
    guard FileManager.default.fileExists(atPath: path) else { return [] }
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    do {
      let keys = try JSONDecoder().decode(Contents.self, from: data).keys
      // A key bound to no region at all would read as bound to none: refused, like any
      // unreadable file (a router keeps the keys it had).
      if let empty = keys.first(where: { $0.regions?.isEmpty == true }) {
        throw APIKeyFileError(path: path, reason: "key '\(empty.name)' has an empty regions list (leave it out for no bound)")
      }
      return keys
    } catch let error as APIKeyFileError {
      throw error
    } catch {
      throw APIKeyFileError(path: path, reason: "\(error)")
    }
  }

  public static func save(_ records: [APIKeyRecord], to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    let data = try encoder.encode(Contents(keys: records))
    // Written beside and renamed over, so a router reloading it never reads half a file.
    if let reason = AtomicFile.write(data, to: path) { throw APIKeyFileError(path: path, reason: reason) }
  }
}

public struct APIKeyFileError: Error, CustomStringConvertible {
  public var path: String
  public var reason: String
  public var description: String { "API key file \(path): \(reason)" }
}
