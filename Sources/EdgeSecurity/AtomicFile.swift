public import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Whole-file writes that readers never see half done: written beside the file with its final
/// permissions from the moment it exists, then renamed over it.
public enum AtomicFile {
  /// Replaces `path` with `data`; the reason in words when it cannot.
  public static func write(_ data: Data, to path: String, permissions: Int = 0o600) -> String? {
    let staging = "\(path).\(UUID().uuidString).tmp"
    guard FileManager.default.createFile(atPath: staging, contents: data, attributes: [.posixPermissions: permissions]) else {
      return "cannot write \(staging)"
    }
    guard rename(staging, path) == 0 else {
      let reason = String(cString: strerror(errno))
      try? FileManager.default.removeItem(atPath: staging)
      return "cannot replace it (\(reason))"
    }
    return nil
  }
}
