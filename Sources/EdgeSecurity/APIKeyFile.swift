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
      return try JSONDecoder().decode(Contents.self, from: data).keys
    } catch {
      throw APIKeyFileError(path: path, reason: "\(error)")
    }
  }

  public static func save(_ records: [APIKeyRecord], to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    let data = try encoder.encode(Contents(keys: records))
    // Written beside and renamed over, so a router reloading it never reads half a file.
    let temporary = "\(path).tmp-\(getpid())"
    guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else {
      throw APIKeyFileError(path: path, reason: "cannot write \(temporary)")
    }
    guard rename(temporary, path) == 0 else {
      try? FileManager.default.removeItem(atPath: temporary)
      throw APIKeyFileError(path: path, reason: "cannot replace it (errno \(errno))")
    }
  }
}

public struct APIKeyFileError: Error, CustomStringConvertible {
  public var path: String
  public var reason: String
  public var description: String { "API key file \(path): \(reason)" }
}
