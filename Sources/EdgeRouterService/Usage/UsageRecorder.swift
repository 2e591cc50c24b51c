public import EdgeMetering
public import Foundation
public import Logging
import EdgeSecurity
import Synchronization
import EdgeServer


/// A router's usage meter: the ledger behind a lock, appended to the usage log (`--usage-log
/// FILE`) at least every second and on drain, and rebuilt from it at start, so a restart loses
/// nothing that was flushed. At start the log is rewritten compacted (one line per credential,
/// model and minute).
public final class UsageRecorder: Sendable {
  public let path: String?
  private let ledger: Mutex<UsageLedger>
  private let logger: Logger
  private let file: AppendOnlyFile?
  /// The last write stopped inside a line.
  private let brokenLine = Mutex(false)

  public init(path: String?, retention: Duration = .seconds(31 * 86_400), logger: Logger) throws {
    self.path = path
    self.logger = logger
    var ledger = UsageLedger(retention: retention.components.seconds)
    if let path {
      if FileManager.default.fileExists(atPath: path) {
        let (lines, skipped) = try Self.read(path)
        ledger.restore(lines)
        if skipped > 0 { logger.warning("usage log lines unreadable and skipped", metadata: ["file": "\(path)", "lines": "\(skipped)"]) }
      }
      ledger.expire(now: Int64(Date().timeIntervalSince1970))
      try Self.rewrite(path, ledger.compacted)
    }
    self.file = try path.map { try AppendOnlyFile(path: $0) }
    self.ledger = Mutex(ledger)
  }

  public func record(_ usage: UsageTotals, credential: String, model: String, at date: Date = Date()) {
    ledger.withLock { $0.record(usage, for: UsageKey(credential: credential, model: model), at: Int64(date.timeIntervalSince1970)) }
  }

  public func totals(since: Int64? = nil) -> [UsageKey: UsageTotals] {
    ledger.withLock { $0.totals(since: since) }
  }

  /// Appends what was recorded since the last flush to the log (nothing without a log). Lines a
  /// failed or short write did not finish are put back for the next flush, after a line break
  /// that ends any half-written line (which a reload skips), so nothing is lost or counted twice.
  public func flush() {
    let lines = ledger.withLock { ledger in
      defer { ledger.expire(now: Int64(Date().timeIntervalSince1970)) }
      return ledger.flush()
    }
    guard let file, !lines.isEmpty else { return }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let encoded = lines.map { (try? encoder.encode($0)).map { Array($0) + [UInt8(ascii: "\n")] } ?? [] }
    let prefix: [UInt8] = brokenLine.withLock { $0 } ? [UInt8(ascii: "\n")] : []
    let bytes = prefix + encoded.flatMap { $0 }
    var written = file.appendBytes(bytes) - prefix.count
    if written >= 0 { brokenLine.withLock { $0 = false } }
    guard written < bytes.count - prefix.count else { return }
    // Lines written whole stay written; the rest go back.
    var complete = 0
    while complete < encoded.count, written >= encoded[complete].count {
      written -= encoded[complete].count
      complete += 1
    }
    // Bytes of a line begun but not finished: the next write starts on a fresh line.
    if written > 0 { brokenLine.withLock { $0 = true } }
    let unwritten = Array(lines[complete...])
    ledger.withLock { $0.requeue(unwritten) }
    logger.error("usage log write failed; will retry", metadata: ["file": "\(file.path)", "lines": "\(unwritten.count)"])
  }

  /// Flushes every `interval` until cancelled, then once more (the drain).
  public func run(every interval: Duration = .seconds(1)) async {
    while !Task.isCancelled {
      try? await Task.sleep(for: interval)
      flush()
    }
    flush()
  }

  static func read(_ path: String) throws -> (lines: [UsageLogLine], skipped: Int) {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    let decoder = JSONDecoder()
    var lines: [UsageLogLine] = []
    var skipped = 0
    for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
      // A line cut short by a crash mid-write is skipped, not fatal: the rest still counts.
      if let decoded = try? decoder.decode(UsageLogLine.self, from: Data(line)) { lines.append(decoded) } else { skipped += 1 }
    }
    return (lines, skipped)
  }

  static func rewrite(_ path: String, _ lines: [UsageLogLine]) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    var data = Data()
    for line in lines {
      data.append(try encoder.encode(line))
      data.append(UInt8(ascii: "\n"))
    }
    if let reason = AtomicFile.write(data, to: path) { throw UsageLogError(path: path, reason: reason) }
  }
}

public struct UsageLogError: Error, CustomStringConvertible {
  public var path: String
  public var reason: String
  public var description: String { "usage log \(path): \(reason)" }
}
