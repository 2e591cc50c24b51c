import Foundation
public import Logging
import Synchronization

/// swift-log's handler for `--log-format json`: one JSON object per line, with `time` (ISO 8601,
/// UTC, milliseconds), `level`, `logger` (the label), `message`, then the metadata's keys as
/// fields of their own (nested metadata as objects and arrays). A metadata key that repeats one
/// of the five is written as `meta_<key>`, so a field never changes meaning.
public struct JSONLogHandler: LogHandler {
  public var metadata: Logger.Metadata = [:]
  public var logLevel: Logger.Level = .info
  public var metadataProvider: Logger.MetadataProvider?
  private let label: String
  private let write: @Sendable (String) -> Void

  /// Lines go to `write` (standard error by default), whole.
  public init(label: String, write: @escaping @Sendable (String) -> Void = JSONLogHandler.standardError) {
    self.label = label
    self.write = write
  }

  public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  public func log(event: LogEvent) {
    var fields = metadata
    if let provided = metadataProvider?.get() { fields.merge(provided) { _, new in new } }
    if let extra = event.metadata { fields.merge(extra) { _, new in new } }
    var object: [String: Any] = [
      "time": Self.timestamp(Date()), "level": event.level.rawValue, "logger": label, "message": "\(event.message)",
    ]
    for (key, value) in fields {
      object[object[key] == nil ? key : "meta_\(key)"] = Self.json(value)
    }
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]),
      let line = String(data: data, encoding: .utf8)
    else { return }
    write(line + "\n")
  }

  private static func json(_ value: Logger.Metadata.Value) -> Any {
    switch value {
    case .string(let text): text
    case .stringConvertible(let convertible): convertible.description
    case .array(let values): values.map(json)
    case .dictionary(let entries): entries.mapValues(json)
    }
  }

  private static func timestamp(_ date: Date) -> String {
    date.formatted(.iso8601.year().month().day().timeZone(separator: .omitted).time(includingFractionalSeconds: true))
  }

  /// One write per line under a lock, so lines from several threads never interleave.
  public static let standardError: @Sendable (String) -> Void = { line in
    // A full disk or a closed pipe loses the line, as the text handler would; it never stops the service.
    lock.withLock { _ in try? FileHandle.standardError.write(contentsOf: Data(line.utf8)) }
  }

  private static let lock = Mutex<Void>(())
}
