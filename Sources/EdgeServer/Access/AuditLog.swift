public import EdgeSecurity
public import Logging

/// Where audit records go: appended to a file (`--audit-log FILE`, one JSON line per record,
/// written with O_APPEND in a single write so concurrent writers never interleave), or the log
/// stream at notice level.
public final class AuditLog: Sendable {
  private let file: AppendOnlyFile?
  private let logger: Logger

  public init(path: String?, logger: Logger) throws {
    self.file = try path.map { try AppendOnlyFile(path: $0) }
    self.logger = logger
  }

  public func write(_ record: AuditRecord) {
    let line = record.jsonLine
    guard let file else {
      logger.notice("audit", metadata: ["record": "\(line)"])
      return
    }
    if !file.append(line + "\n") {
      // An audit record that cannot be written is itself worth an error in the log.
      logger.error("audit log write failed; record follows", metadata: ["file": "\(file.path)", "record": "\(line)"])
    }
  }
}
