import Crypto
import Foundation

/// The keys a router accepts, with a token bucket per rate-limited key. Pure: `authorize`
/// takes the current instant.
public struct APIKeyRing: Sendable {
  private var recordsByID: [String: APIKeyRecord] = [:]
  private var buckets: [String: TokenBucket] = [:]

  public init(_ records: [APIKeyRecord]) {
    for record in records { self.recordsByID[record.id] = record }
  }

  public var count: Int { recordsByID.count }

  /// The records held now.
  public var records: [APIKeyRecord] { Array(recordsByID.values) }

  /// What changed between two versions of the key file, by key: `keys.create` for a key that
  /// appeared, `keys.revoke` for one that went, `keys.change` for one whose name, scope,
  /// regions or limit changed. Ordered by name.
  public static func changes(from before: [APIKeyRecord], to after: [APIKeyRecord]) -> [(name: String, method: String)] {
    let old = Dictionary(before.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    let new = Dictionary(after.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    var changes: [(name: String, method: String)] = []
    for (id, record) in new {
      if let previous = old[id] {
        if previous != record { changes.append((record.name, "keys.change")) }
      } else {
        changes.append((record.name, "keys.create"))
      }
    }
    for (id, record) in old where new[id] == nil { changes.append((record.name, "keys.revoke")) }
    return changes.sorted { ($0.name, $0.method) < ($1.name, $1.method) }
  }

  /// Replaces the records (the key file changed); buckets of keys still present keep their
  /// tokens, so rewriting the file does not reset anyone's limit.
  public mutating func replace(with records: [APIKeyRecord]) {
    self.recordsByID = [:]
    for record in records { self.recordsByID[record.id] = record }
    buckets = buckets.filter { self.recordsByID[$0.key] != nil }
  }

  /// The caller's key, from an `authorization` metadata value, checked and charged one
  /// request: the key's record, or why it is refused.
  public mutating func authorize(_ authorization: String?, at now: ContinuousClock.Instant) -> Result<APIKeyRecord, AccessError> {
    guard let authorization else { return .failure(.missingKey) }
    let prefix = "bearer "
    guard authorization.count > prefix.count, authorization.prefix(prefix.count).lowercased() == prefix,
      let key = APIKey(parsing: String(authorization.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces))
    else { return .failure(.malformedKey) }
    // The id finds the record; the secret is compared as a digest in constant time, so the
    // time taken says nothing about how much of it matched.
    guard let record = recordsByID[key.id], let stored = Self.bytes(hex: record.secretSHA256),
      Self.constantTimeEqual(Array(SHA256.hash(data: key.secret)), stored)
    else { return .failure(.unknownKey) }
    if let rate = record.ratePerSecond, rate > 0 {
      var bucket = buckets[record.id] ?? TokenBucket(rate: rate, burst: Double(max(1, record.burst ?? Int(rate.rounded(.up)))), at: now)
      let wait = bucket.take(at: now)
      buckets[record.id] = bucket
      if let wait { return .failure(.rateLimited(name: record.name, retryAfter: wait)) }
    }
    return .success(record)
  }

  static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for index in a.indices { difference |= a[index] ^ b[index] }
    return difference == 0
  }

  static func bytes(hex: String) -> [UInt8]? {
    guard hex.count % 2 == 0 else { return nil }
    var bytes: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
      let next = hex.index(index, offsetBy: 2)
      guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
      bytes.append(byte)
      index = next
    }
    return bytes
  }
}
