import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A file kept open for appending (O_APPEND, created 0600), for logs of records: each `append`
/// is one write(2), so lines from concurrent writers, and from several processes sharing the
/// file, never interleave.
package final class AppendOnlyFile: Sendable {
  package let path: String
  private let descriptor: Int32

  package init(path: String) throws {
    self.path = path
    descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else { throw AppendOnlyFileError(path: path, reason: String(cString: strerror(errno))) }
  }

  deinit {
    close(descriptor)
  }

  /// Appends `text` whole; false when it could not be.
  package func append(_ text: String) -> Bool {
    let bytes = Array(text.utf8)
    return appendBytes(bytes) == bytes.count
  }

  /// Appends `bytes` in one write; how many were written (0 on failure).
  package func appendBytes(_ bytes: [UInt8]) -> Int {
    max(0, bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) })
  }
}

package struct AppendOnlyFileError: Error, CustomStringConvertible {
  package var path: String
  package var reason: String
  package var description: String { "cannot open \(path) for appending: \(reason)" }
}
