public import EdgeSecurity
import Foundation
public import Logging
import Synchronization

/// The router's API keys, read from the key file and read again when the file changes, so keys
/// are added and revoked without a restart. Logs name keys, never show them.
public final class APIKeyGate: Sendable {
  public let path: String
  private let logger: Logger
  private let ring: Mutex<APIKeyRing>
  private let loadedVersion = Mutex<Date?>(nil)
  /// Receives a record for every key that appears or disappears when the file is read again.
  private let audit: AuditLog?

  public init(path: String, logger: Logger, audit: AuditLog? = nil) throws {
    self.path = path
    self.logger = logger
    self.audit = audit
    let records = try APIKeyFile.load(path)
    self.ring = Mutex(APIKeyRing(records))
    loadedVersion.withLock { $0 = Self.modified(path) }
    logger.info("API keys required", metadata: ["file": "\(path)", "keys": "\(records.count)"])
  }

  /// Checks and charges one request; the key's name when it is let in.
  public func authorize(_ authorization: String?) -> Result<APIKeyRecord, AccessError> {
    ring.withLock { $0.authorize(authorization, at: .now) }
  }

  public var count: Int { ring.withLock { $0.count } }

  /// Reads the file again if it changed since it was last read. A file that cannot be read
  /// keeps the keys already loaded (a half-edited file must not let everyone in or shut
  /// everyone out).
  public func reloadIfChanged() {
    let modified = Self.modified(path)
    guard loadedVersion.withLock({ $0 }) != modified else { return }
    do {
      let records = try APIKeyFile.load(path)
      let before = ring.withLock { ring in
        let before = ring.records
        ring.replace(with: records)
        return before
      }
      loadedVersion.withLock { $0 = modified }
      logger.notice("API keys reloaded", metadata: ["file": "\(path)", "keys": "\(records.count)"])
      if let audit {
        for change in APIKeyRing.changes(from: before, to: records) {
          audit.write(AuditRecord(credential: change.name, peer: "", listener: "keys", method: change.method, result: "OK"))
        }
        audit.write(AuditRecord(credential: "", peer: "", listener: "keys", method: "keys.reload", result: "OK: \(records.count) keys from \(path)"))
      }
    } catch {
      logger.error("API key file unreadable; keeping the keys loaded before", metadata: ["error": "\(error)"])
    }
  }

  /// Checks the file every `interval` until cancelled.
  public func watch(every interval: Duration = .seconds(1)) async {
    while !Task.isCancelled {
      try? await Task.sleep(for: interval)
      reloadIfChanged()
    }
  }

  private static func modified(_ path: String) -> Date? {
    (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
  }
}
