import EdgeSecurity
import Foundation

/// `--ready-file PATH`: once a process listens, it writes the addresses it bound as one JSON
/// object (`{"clients": "127.0.0.1:40123", …}`), whole or not at all. Whoever started it with
/// port 0 reads the ports from there, so no port is picked, released and raced for.
public enum ReadyFile {
  public static func write(_ addresses: [String: String], to path: String) throws {
    let data = try JSONSerialization.data(withJSONObject: addresses, options: [.sortedKeys])
    if let reason = AtomicFile.write(data, to: path, permissions: 0o644) {
      throw ReadyFileError(path: path, reason: reason)
    }
  }

  /// The addresses in `path`, nil while it is not written yet.
  public static func read(_ path: String) -> [String: String]? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    return (try? JSONSerialization.jsonObject(with: data)) as? [String: String]
  }
}

public struct ReadyFileError: Error, CustomStringConvertible {
  public var path: String
  public var reason: String
  public var description: String { "ready file \(path): \(reason)" }
}
