import Foundation

/// A folder only this process's user can enter (mode 0700, from mkdtemp), for sockets that must
/// not be reachable by other local users: the router's gRPC server behind its front listens in
/// one. Unix socket paths are limited to about 100 bytes, so it is made under /tmp.
package struct PrivateFolder: Sendable {
  package let path: String

  package init(prefix: String) throws {
    var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
    guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
      throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "cannot make a private folder under /tmp: \(String(cString: strerror(errno)))"])
    }
    path = String(cString: made)
  }

  /// Removes the folder and what is in it.
  package func remove() {
    try? FileManager.default.removeItem(atPath: path)
  }
}
