public import Foundation

/// One line of the audit log: an admin call, allowed or refused, or a change of API keys. It
/// names the credential (a key's name, a certificate's names), never a secret: there is no field
/// a secret could go in.
public struct AuditRecord: Sendable, Codable, Equatable {
  /// ISO 8601 with milliseconds, UTC.
  public var time: String
  /// The key's name, the certificate's names, `anonymous`, or for key changes the operator.
  public var credential: String
  /// The caller's address as the transport gives it (`ipv4:127.0.0.1:51234`); empty for local
  /// operations.
  public var peer: String
  /// Which listener took the call: `client`, `cluster`, `node`, or `keys` for key changes.
  public var listener: String
  /// `service/Method`, or `keys.create`, `keys.revoke`, `keys.reload`.
  public var method: String
  public var model: String
  public var version: String
  /// `OK`, or the status code's name and the message (`PERMISSION_DENIED: …`).
  public var result: String

  public init(
    time: Date = Date(), credential: String, peer: String, listener: String, method: String, model: String = "",
    version: String = "", result: String
  ) {
    self.time = Self.format(time)
    // Callers choose model names and messages: each field is cut to a bound, so a refused call
    // cannot write an arbitrarily long line.
    self.credential = Self.bounded(credential)
    self.peer = Self.bounded(peer)
    self.listener = Self.bounded(listener)
    self.method = Self.bounded(method)
    self.model = Self.bounded(model)
    self.version = Self.bounded(version)
    self.result = Self.bounded(result, to: 1024)
  }

  /// Longest field kept, in characters; longer ones end in `…`.
  public static let maxField = 256

  static func bounded(_ text: String, to limit: Int = maxField) -> String {
    text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
  }

  /// The record as one JSON line (keys sorted, no newline inside).
  public var jsonLine: String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    // A record of strings always encodes.
    return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
  }

  static func format(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: date)
  }
}
