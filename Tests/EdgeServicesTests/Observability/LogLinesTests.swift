import EdgeObservability
import Foundation
import Logging
import Synchronization
import Testing

/// Log lines: JSON format, the refusal throttle, and client text made safe to log.
struct LogLinesTests {
  /// Lines a handler wrote, for reading back.
  final class Lines: Sendable {
    let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    func write(_ line: String) { lines.withLock { $0.append(line) } }
  }

  @Test func jsonLinesAreOneObjectEachWithMetadataAsFields() throws {
    let lines = Lines()
    var logger = Logger(label: "edge-router") { label in JSONLogHandler(label: label, write: { lines.write($0) }) }
    logger.logLevel = .debug
    logger[metadataKey: "router"] = "router-1"
    logger.debug(
      "answered \"quoted\"\nsecond line",
      metadata: ["code": "OK", "message": "clash", "nested": .dictionary(["a": .array(["1", "2"])])])
    logger.trace("below the level")
    #expect(lines.all.count == 1)
    let line = try #require(lines.all.first)
    #expect(line.hasSuffix("\n") && line.dropLast().contains("\n") == false)
    let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    #expect(object["level"] as? String == "debug")
    #expect(object["logger"] as? String == "edge-router")
    #expect(object["message"] as? String == "answered \"quoted\"\nsecond line")
    #expect(object["router"] as? String == "router-1")
    #expect(object["code"] as? String == "OK")
    #expect(object["meta_message"] as? String == "clash")
    #expect((object["nested"] as? [String: Any])?["a"] as? [String] == ["1", "2"])
    let time = try #require(object["time"] as? String)
    #expect(time.hasSuffix("Z") && time.contains("T") && time.contains("."))
  }

  @Test func theThrottleLogsEachCauseOncePerIntervalWithTheCountItSkipped() {
    var throttle = LogThrottle(interval: .seconds(10), capacity: 2)
    let start = ContinuousClock.now
    #expect(throttle.admit("rate_limited", at: start) == 0)
    #expect(throttle.admit("rate_limited", at: start + .seconds(1)) == nil)
    #expect(throttle.admit("rate_limited", at: start + .seconds(9)) == nil)
    // Another cause has its own first line.
    #expect(throttle.admit("unknown_key", at: start + .seconds(9)) == 0)
    #expect(throttle.admit("rate_limited", at: start + .seconds(10)) == 2)
    #expect(throttle.admit("rate_limited", at: start + .seconds(11)) == nil)
    // A third cause past the capacity forgets the stalest (unknown_key, logged at 9 s), which
    // then logs again as new.
    #expect(throttle.admit("shed", at: start + .seconds(12)) == 0)
    #expect(throttle.admit("unknown_key", at: start + .seconds(13)) == 0)
    // unknown_key took the place of rate_limited (then the stalest): it comes back as new.
    #expect(throttle.admit("rate_limited", at: start + .seconds(20)) == 0)
  }

  @Test func aFloodOfRefusalsCostsOneLinePerCause() {
    let lines = Lines()
    let logger = Logger(label: "edge-router") { label in JSONLogHandler(label: label, write: { lines.write($0) }) }
    let refusals = RefusalLog(logger: logger, interval: .seconds(60))
    for _ in 0..<10_000 { refusals.refused("rate_limited", "API key 'k' is over its rate limit") }
    refusals.refused("unknown_key", "the API key is not valid")
    #expect(lines.all.count == 2)
    #expect(lines.all[0].contains("\"cause\":\"rate_limited\""))
    #expect(lines.all[1].contains("\"cause\":\"unknown_key\""))
  }

  @Test func clientTextIsCutAndCannotBreakALine() {
    #expect(ClientText.loggable("req-1") == "req-1")
    #expect(ClientText.loggable("a\nb\r\u{1B}[31mc") == "a?b??[31mc")
    #expect(ClientText.loggable(String(repeating: "x", count: 1000)).count == 128)
    // Nor pose as another field of a text line, nor hide behind a separator or an override.
    #expect(ClientText.loggable("x code=OK") == "x?code?OK")
    #expect(ClientText.loggable("a\u{2028}b\u{202E}c") == "a?b?c")
    #expect(ClientText.loggable("é模型-1") == "é模型-1")
  }
}
