public import EdgeSecurity
import Foundation
public import Logging
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Where audit records go: appended to a file (`--audit-log FILE`, one JSON line per record,
/// written with O_APPEND in a single write so concurrent writers never interleave), or the log
/// stream at notice level.
public final class AuditLog: Sendable {
  private let path: String?
  private let logger: Logger
  private let descriptor = Mutex<Int32>(-1)

  public init(path: String?, logger: Logger) throws {
    self.path = path
    self.logger = logger
    if let path {
      let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
      guard fd >= 0 else { throw AuditLogError(path: path, errno: errno) }
      descriptor.withLock { $0 = fd }
    }
  }

  deinit {
    descriptor.withLock { if $0 >= 0 { close($0) } }
  }

  public func write(_ record: AuditRecord) {
    let line = record.jsonLine
    guard path != nil else {
      logger.notice("audit", metadata: ["record": "\(line)"])
      return
    }
    let bytes = Array((line + "\n").utf8)
    let written = descriptor.withLock { fd in bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } }
    if written != bytes.count {
      // An audit record that cannot be written is itself worth an error in the log.
      logger.error("audit log write failed; record follows", metadata: ["file": "\(path ?? "")", "record": "\(line)"])
    }
  }
}

public struct AuditLogError: Error, CustomStringConvertible {
  public var path: String
  public var errno: Int32
  public var description: String { "cannot open audit log \(path): \(String(cString: strerror(errno)))" }
}
