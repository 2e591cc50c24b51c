import EdgeSecurity
import Foundation
import Testing

/// API keys, their ring and the token bucket, with explicit instants.
@Suite struct APIKeyTests {
  let t0 = ContinuousClock.now

  @Test func aGeneratedKeyParsesAndOnlyItsDigestIsKept() throws {
    let (token, record) = APIKey.generate(name: "alice", ratePerSecond: nil, burst: nil)
    #expect(token.hasPrefix("ei_\(record.id)_"))
    let key = try #require(APIKey(parsing: token))
    #expect(key.id == record.id)
    #expect(key.secretDigestHex == record.secretSHA256)
    #expect(!record.secretSHA256.contains(token.split(separator: "_").last!))
    let other = APIKey.generate(name: "bob", ratePerSecond: nil, burst: nil).token
    #expect(other != token)
  }

  @Test(arguments: ["", "ei_", "ei_123_abc", "xx_0123abcd_" + String(repeating: "A", count: 43), "ei_0123abcz_" + String(repeating: "A", count: 43),
    "ei_0123abcd_" + String(repeating: "A", count: 42), "ei_0123abcd_" + String(repeating: "!", count: 43)])
  func malformedKeysDoNotParse(_ text: String) {
    #expect(APIKey(parsing: text) == nil)
  }

  @Test func theRingLetsInKnownKeysOnly() {
    let (alice, record) = APIKey.generate(name: "alice", ratePerSecond: nil, burst: nil)
    var ring = APIKeyRing([record])
    #expect((try? ring.authorize("Bearer \(alice)", at: t0).get())?.name == "alice")
    #expect((try? ring.authorize("bearer \(alice)", at: t0).get())?.name == "alice")
    #expect(ring.authorize(nil, at: t0) == .failure(.missingKey))
    #expect(ring.authorize(alice, at: t0) == .failure(.malformedKey))
    #expect(ring.authorize("Bearer nonsense", at: t0) == .failure(.malformedKey))
    // Same id, another secret: refused.
    var forged = APIKey(parsing: alice)!
    forged.secret[0] ^= 1
    #expect(ring.authorize("Bearer \(forged.token)", at: t0) == .failure(.unknownKey))
    let stranger = APIKey.generate(name: "mallory", ratePerSecond: nil, burst: nil).token
    #expect(ring.authorize("Bearer \(stranger)", at: t0) == .failure(.unknownKey))
    // Revoked by a new file.
    ring.replace(with: [])
    #expect(ring.authorize("Bearer \(alice)", at: t0) == .failure(.unknownKey))
  }

  @Test func aKeyOverItsRateWaitsForItsNextToken() throws {
    let (key, record) = APIKey.generate(name: "batch", ratePerSecond: 2, burst: 3)
    var ring = APIKeyRing([record])
    for _ in 0..<3 { #expect((try? ring.authorize("Bearer \(key)", at: t0).get()) != nil) }
    guard case .failure(.rateLimited(let name, let wait)) = ring.authorize("Bearer \(key)", at: t0) else {
      Issue.record("the fourth request in the same instant was let in")
      return
    }
    #expect(name == "batch")
    #expect(wait == .milliseconds(500))
    #expect((try? ring.authorize("Bearer \(key)", at: t0 + .milliseconds(500)).get()) != nil)
    // Rewriting the file keeps the key's bucket: no reset by touching it.
    ring.replace(with: [record])
    #expect((try? ring.authorize("Bearer \(key)", at: t0 + .milliseconds(500)).get()) == nil)
  }

  @Test func theBucketRefillsAtItsRateUpToItsBurst() {
    var bucket = TokenBucket(rate: 10, burst: 2, at: t0)
    #expect(bucket.take(at: t0) == nil)
    #expect(bucket.take(at: t0) == nil)
    #expect(bucket.take(at: t0) == .milliseconds(100))
    #expect(bucket.take(at: t0 + .milliseconds(50)) == .milliseconds(50))
    #expect(bucket.take(at: t0 + .milliseconds(100)) == nil)
    // A long pause fills it to the burst, not beyond.
    #expect(bucket.take(at: t0 + .seconds(60)) == nil)
    #expect(bucket.take(at: t0 + .seconds(60)) == nil)
    #expect(bucket.take(at: t0 + .seconds(60)) != nil)
  }

  @Test func theKeyFileRoundTripsWithOwnerOnlyPermissions() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("edgeinfer-keys-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = "\(folder)/keys.json"
    #expect(try APIKeyFile.load(path).isEmpty)
    let records = [APIKey.generate(name: "a", ratePerSecond: 5, burst: 10).record, APIKey.generate(name: "b", ratePerSecond: nil, burst: nil).record]
    try APIKeyFile.save(records, to: path)
    #expect(try APIKeyFile.load(path) == records)
    let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
    #expect(permissions == 0o600)
    try "{not json".write(toFile: path, atomically: true, encoding: .utf8)
    #expect(throws: APIKeyFileError.self) { try APIKeyFile.load(path) }
  }
}
