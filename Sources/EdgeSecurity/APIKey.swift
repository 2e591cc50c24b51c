import Crypto
public import Foundation

/// An API key as clients send it: `ei_<id>_<secret>`, 8 hex digits of public id and 32 random
/// bytes of secret in base64url. Only the record (id and the secret's SHA-256) is stored.
public struct APIKey: Sendable {
  public var id: String
  public var secret: [UInt8]

  /// A new random key and its record. The key is printed once and never stored.
  public static func generate(
    name: String, ratePerSecond: Double?, burst: Int?, scope: CredentialScope = .infer, regions: [String]? = nil,
    now: Date = Date()
  ) -> (token: String, record: APIKeyRecord) {
    var generator = SystemRandomNumberGenerator()
    let id = (0..<4).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    let secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
    let key = APIKey(id: id, secret: secret)
    let record = APIKeyRecord(
      name: name, id: id, secretSHA256: key.secretDigestHex, ratePerSecond: ratePerSecond, burst: burst,
      created: ISO8601DateFormatter().string(from: now), scope: scope, regions: regions)
    return (key.token, record)
  }

  public var token: String { "ei_\(id)_\(Data(secret).base64URLEncoded)" }

  /// Parses `ei_<id>_<secret>`; nil for anything else.
  public init?(parsing token: String) {
    let parts = token.split(separator: "_", maxSplits: 2, omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0] == "ei", parts[1].count == 8, parts[1].allSatisfy(\.isHexDigit),
      let secret = Data(base64URLEncoded: String(parts[2])), secret.count == 32
    else { return nil }
    self.init(id: String(parts[1]), secret: Array(secret))
  }

  public init(id: String, secret: [UInt8]) {
    self.id = id
    self.secret = secret
  }

  public var secretDigestHex: String {
    SHA256.hash(data: secret).map { String(format: "%02x", $0) }.joined()
  }
}

extension Data {
  var base64URLEncoded: String {
    base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
      .replacingOccurrences(of: "=", with: "")
  }

  init?(base64URLEncoded text: String) {
    guard text.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else { return nil }
    var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    standard += String(repeating: "=", count: (4 - standard.count % 4) % 4)
    self.init(base64Encoded: standard)
  }
}
