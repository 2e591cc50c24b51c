import GRPCCore
import NIOCore
import NIOHPACK
import Testing

@testable import EdgeWire

/// How the router's data plane reads a node's answer from its HTTP/2 frames: the message of an
/// OK answer, the node's own status, message and trailing metadata otherwise (what the failover
/// rules read), and a clear error for every answer that breaks gRPC's framing.
struct UnaryExchangeTests {
  static let head = HPACKHeaders([(":status", "200"), ("content-type", "application/grpc")])

  static func framed(_ message: [UInt8], compressed: UInt8 = 0, declared: Int? = nil) -> ByteBuffer {
    var buffer = ByteBuffer()
    buffer.writeInteger(compressed)
    buffer.writeInteger(UInt32(declared ?? message.count))
    buffer.writeBytes(message)
    return buffer
  }

  /// Feeds frames until the exchange finishes; nil when it still waits for more.
  static func run(_ frames: [Frame], limit: Int = 1 << 20) -> Result<[UInt8], RPCError>? {
    var exchange = UnaryExchange(maximumResponseBytes: limit)
    for frame in frames {
      let step: UnaryExchange.Step
      switch frame {
      case .headers(let headers, let end): step = exchange.receive(headers: headers, endStream: end)
      case .data(let data, let end): step = exchange.receive(data: data, endStream: end)
      }
      if case .finished(let result) = step { return result }
    }
    return nil
  }

  enum Frame {
    case headers(HPACKHeaders, end: Bool)
    case data(ByteBuffer, end: Bool)
  }

  static func error(_ result: Result<[UInt8], RPCError>?) -> RPCError? {
    if case .failure(let error)? = result { return error }
    return nil
  }

  @Test func anOKAnswerIsItsMessageEvenSplitAcrossFrames() throws {
    var whole = Self.framed(Array(0..<200).map(UInt8.init))
    let first = whole.readSlice(length: 3)!
    let second = whole.readSlice(length: 100)!
    let result = Self.run([
      .headers(Self.head, end: false), .data(first, end: false), .data(second, end: false), .data(whole, end: false),
      .headers(["grpc-status": "0"], end: true),
    ])
    #expect(try result?.get() == Array(0..<200).map(UInt8.init))
    #expect(try Self.run([.headers(Self.head, end: false), .data(Self.framed([]), end: false), .headers(["grpc-status": "0"], end: true)])?.get() == [])
  }

  @Test func theNodesErrorKeepsItsStatusMessageAndMetadata() throws {
    let trailers: HPACKHeaders = [
      ":status": "200", "content-type": "application/grpc", "grpc-status": "8", "grpc-message": "queue%20full%3A%20retry",
      "grpc-retry-pushback-ms": "40", "x-edge-model-state": "not-ready", "trace-bin": "AAEC",
    ]
    // Trailers-only, as a server answers an error before any message.
    let error = try #require(Self.error(Self.run([.headers(trailers, end: true)])))
    #expect(error.code == .resourceExhausted)
    #expect(error.message == "queue full: retry")
    #expect(Array(error.metadata[stringValues: "grpc-retry-pushback-ms"]) == ["40"])
    #expect(Array(error.metadata[binaryValues: "trace-bin"]) == [[0, 1, 2]])
    #expect(error.allowsFailover)
    #expect(error.metadata[stringValues: "grpc-status"].first(where: { _ in true }) == nil)
    let notReady = try #require(Self.error(Self.run([
      .headers(Self.head, end: false), .headers(["grpc-status": "14", "x-edge-model-state": "not-ready"], end: true),
    ])))
    #expect(notReady.code == .unavailable && notReady.isModelCondition)
  }

  @Test func brokenAnswersAreClearErrors() throws {
    let cases: [(String, [Frame], RPCError.Code, String)] = [
      ("HTTP 503", [.headers([":status": "503"], end: true)], .unavailable, "HTTP 503"),
      ("HTTP 404", [.headers([":status": "404"], end: false)], .unimplemented, "HTTP 404"),
      ("no status", [.headers(["content-type": "application/grpc"], end: false)], .internalError, "without an HTTP status"),
      ("no grpc-status", [.headers(Self.head, end: false), .headers(["x": "y"], end: true)], .internalError, "no valid grpc-status"),
      ("bad grpc-status", [.headers(Self.head, end: false), .headers(["grpc-status": "99"], end: true)], .internalError, "no valid grpc-status"),
      ("OK without a message", [.headers(Self.head, end: false), .headers(["grpc-status": "0"], end: true)], .internalError, "without a message"),
      ("compressed", [.headers(Self.head, end: false), .data(Self.framed([1], compressed: 1), end: false), .headers(["grpc-status": "0"], end: true)],
       .internalError, "compressed"),
      ("two messages", [.headers(Self.head, end: false), .data(Self.framed([1]), end: false), .data(Self.framed([2]), end: false),
                        .headers(["grpc-status": "0"], end: true)], .internalError, "not one message"),
      ("short message", [.headers(Self.head, end: false), .data(Self.framed([1], declared: 9), end: false), .headers(["grpc-status": "0"], end: true)],
       .internalError, "not one message"),
      ("data first", [.data(Self.framed([1]), end: false)], .internalError, "before the response head"),
      ("stream ended by data", [.headers(Self.head, end: false), .data(Self.framed([1]), end: true)], .internalError, "without a gRPC status"),
      ("headers twice", [.headers(Self.head, end: false), .headers(Self.head, end: false)], .internalError, "after the response head"),
    ]
    for (name, frames, code, text) in cases {
      let error = try #require(Self.error(Self.run(frames)), "\(name)")
      #expect(error.code == code, "\(name)")
      #expect(error.message.contains(text), "\(name): \(error.message)")
    }
  }

  @Test func anAnswerOverTheLimitIsRefusedBeforeItIsHeld() throws {
    let big = ByteBuffer(repeating: 7, count: 600)
    let error = try #require(Self.error(Self.run([.headers(Self.head, end: false), .data(big, end: false), .data(big, end: false)], limit: 1000)))
    #expect(error.code == .resourceExhausted)
    // Exactly at the limit is taken.
    let exact = Self.run([.headers(Self.head, end: false), .data(Self.framed([UInt8](repeating: 1, count: 1000)), end: false),
                          .headers(["grpc-status": "0"], end: true)], limit: 1000)
    #expect(try exact?.get().count == 1000)
  }
}
