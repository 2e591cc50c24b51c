import GRPCCore
import NIOCore
import NIOHPACK
import NIOHTTP2

/// The calls on one HTTP/2 connection to a node, made straight on the connection's frames: a
/// HEADERS and a DATA frame out per call, the answer's frames in, matched by stream. No stream
/// channel, task or buffer per call beyond the answer's bytes; everything here runs on the
/// connection's event loop.
final class UnaryCallHandler: ChannelInboundHandler {
  typealias InboundIn = HTTP2Frame
  typealias OutboundOut = HTTP2Frame

  /// A call's answer or error, handed over on the event loop.
  typealias Completion = (Result<[UInt8], RPCError>) -> Void

  private struct Call {
    var exchange: UnaryExchange
    let token: UInt64
    var completion: Completion
  }

  private let scheme: String
  private let authority: String
  private let maximumResponseBytes: Int
  /// The connection's inbound window, kept open as answers arrive.
  private let connectionWindow: ConnectionWindow
  private var context: ChannelHandlerContext?
  private var calls: [HTTP2StreamID: Call] = [:]
  private var streams: [UInt64: HTTP2StreamID] = [:]
  /// Calls cancelled before they started (the cancellation overtook the start on the loop).
  private var cancelledEarly: Set<UInt64> = []
  /// The highest token started: a cancellation for a lower one that has no stream came after
  /// its call ended, and is not kept.
  private var highestStarted: UInt64 = 0
  private var nextStreamID = HTTP2StreamID(1)
  /// The node sent GOAWAY, or stream ids ran out: no new calls here.
  private(set) var draining = false
  private(set) var closed = false
  /// Whether any call on this connection got an answer (a node that closes connections before
  /// answering anything is backed off like one that refuses them).
  private(set) var answeredAny = false
  /// Told once when the connection stops taking calls (GOAWAY, closed, ids exhausted).
  /// `failed` when the connection closed before anything on it was answered (a failed
  /// handshake, a node that closes connections at once): its owner backs off before the next.
  var onDrain: ((_ failed: Bool) -> Void)?

  init(scheme: String, authority: String, maximumResponseBytes: Int, connectionWindow: Int) {
    self.scheme = scheme
    self.authority = authority
    self.maximumResponseBytes = maximumResponseBytes
    self.connectionWindow = ConnectionWindow(target: connectionWindow)
  }

  var activeCalls: Int { calls.count }

  func handlerAdded(context: ChannelHandlerContext) {
    self.context = context
  }

  func channelActive(context: ChannelHandlerContext) {
    if let increment = connectionWindow.opening {
      context.writeAndFlush(wrapOutboundOut(HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: increment))), promise: nil)
    }
    context.fireChannelActive()
  }

  /// Sends one call: `message` framed as gRPC's one length-prefixed message, ending the stream.
  func start(token: UInt64, path: String, metadata: [(String, String)], message: [UInt8], completion: @escaping Completion) {
    highestStarted = max(highestStarted, token)
    if cancelledEarly.remove(token) != nil {
      return completion(.failure(RPCError(code: .cancelled, message: "the call was cancelled")))
    }
    guard let context, !closed, !draining else {
      return completion(.failure(RPCError(code: .unavailable, message: "the connection to the node is closing")))
    }
    let stream = nextStreamID
    nextStreamID = stream.advanced(by: 2)
    calls[stream] = Call(exchange: UnaryExchange(maximumResponseBytes: maximumResponseBytes), token: token, completion: completion)
    streams[token] = stream
    // Stream ids run out after about a billion calls: the next ones go to a new connection.
    if nextStreamID >= HTTP2StreamID.maxID.advanced(by: -2) { drain(context: context) }

    var headers = HPACKHeaders()
    headers.reserveCapacity(7 + metadata.count)
    headers.add(name: ":method", value: "POST")
    headers.add(name: ":scheme", value: scheme)
    headers.add(name: ":path", value: path)
    headers.add(name: ":authority", value: authority)
    headers.add(name: "content-type", value: "application/grpc")
    headers.add(name: "te", value: "trailers")
    for (name, value) in metadata { headers.add(name: name, value: value) }
    var body = context.channel.allocator.buffer(capacity: 5 + message.count)
    body.writeInteger(UInt8(0))
    body.writeInteger(UInt32(message.count))
    body.writeBytes(message)
    context.write(wrapOutboundOut(HTTP2Frame(streamID: stream, payload: .headers(.init(headers: headers)))), promise: nil)
    context.writeAndFlush(
      wrapOutboundOut(HTTP2Frame(streamID: stream, payload: .data(.init(data: .byteBuffer(body), endStream: true)))),
      promise: nil)
  }

  /// Ends a call its caller no longer waits for. With `reset`, the node's stream is reset
  /// (RST_STREAM CANCEL); without, the stream is left to end with the node's answer, which is
  /// dropped: every reset counts against the node's limit on them (NIO's: 200 in 30 s, then
  /// GOAWAY ENHANCE_YOUR_CALM and a new connection), so only resets the router's budget allows
  /// are sent (StreamResetBudget).
  func cancel(token: UInt64, reset: Bool) {
    guard let stream = streams[token] else {
      if token > highestStarted { cancelledEarly.insert(token) }
      return
    }
    guard reset else {
      guard var call = calls[stream] else { return }
      let waiter = call.completion
      call.completion = { _ in }
      calls[stream] = call
      streams.removeValue(forKey: token)
      return waiter(.failure(RPCError(code: .cancelled, message: "the call was cancelled")))
    }
    guard let call = remove(stream) else { return }
    context?.writeAndFlush(wrapOutboundOut(HTTP2Frame(streamID: stream, payload: .rstStream(.cancel))), promise: nil)
    call.completion(.failure(RPCError(code: .cancelled, message: "the call was cancelled")))
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let frame = unwrapInboundIn(data)
    switch frame.payload {
    case .headers(let headers):
      step(frame.streamID, ended: headers.endStream) { $0.receive(headers: headers.headers, endStream: headers.endStream) }
    case .data(let payload):
      // The stream windows are as large as the largest answer taken, so no stream needs
      // topping up; the connection's is kept open from NIO's reports (userInboundEventTriggered).
      guard case .byteBuffer(let bytes) = payload.data else { return }
      step(frame.streamID, ended: payload.endStream) { $0.receive(data: bytes, endStream: payload.endStream) }
    case .rstStream(let code):
      fail(frame.streamID, Self.error(resetBy: code))
    case .goAway(let lastStreamID, let code, _):
      drain(context: context)
      // Streams the node never saw are refused (NIO reports them closed too); the rest finish.
      for stream in calls.keys where stream > lastStreamID {
        fail(stream, RPCError(code: .unavailable, message: "the node is going away (\(code)) and did not take the call"))
      }
    default:
      break
    }
  }

  func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
    if let increment = connectionWindow.increment(after: event) {
      context.writeAndFlush(wrapOutboundOut(HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: increment))), promise: nil)
    }
    if let closed = event as? StreamClosedEvent, calls[closed.streamID] != nil {
      fail(closed.streamID, Self.error(resetBy: closed.reason ?? .protocolError))
    }
    context.fireUserInboundEventTriggered(event)
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    if let streamError = error as? NIOHTTP2Errors.StreamError {
      fail(streamError.streamID, RPCError(code: .internalError, message: "stream error from the node: \(streamError.baseError)"))
      return
    }
    // Any other HTTP/2 error is NIO's to act on: an inbound stream error arrives bare, after
    // NIO has reset that stream alone (its StreamClosedEvent ends the call), and a connection
    // error is followed by NIO's GOAWAY and close. Only TLS and I/O failures end the connection
    // here.
    if error is any NIOHTTP2Error { return }
    // A connection-level failure (TLS, protocol): every call on it ends, and so does it.
    failAll(RPCError(code: .unavailable, message: "connection to the node failed: \(error)"))
    context.close(promise: nil)
  }

  func channelInactive(context: ChannelHandlerContext) {
    closed = true
    drain(context: context, failed: !answeredAny)
    failAll(RPCError(code: .unavailable, message: "the connection to the node closed"))
    context.fireChannelInactive()
  }

  private func drain(context: ChannelHandlerContext, failed: Bool = false) {
    guard !draining else { return }
    draining = true
    onDrain?(failed)
    if calls.isEmpty && !closed { context.close(promise: nil) }
  }

  /// Feeds a frame to its call; `ended` when the frame ended the node's side of the stream.
  private func step(_ stream: HTTP2StreamID, ended: Bool, _ body: (inout UnaryExchange) -> UnaryExchange.Step) {
    guard var call = calls[stream] else { return }
    switch body(&call.exchange) {
    case .continue:
      calls[stream] = call
    case .finished(let result):
      _ = remove(stream)
      answeredAny = true
      if !ended {
        // A broken answer with the node's side still open: end it rather than wait for more.
        context?.writeAndFlush(wrapOutboundOut(HTTP2Frame(streamID: stream, payload: .rstStream(.cancel))), promise: nil)
      }
      call.completion(result)
    }
  }

  private func fail(_ stream: HTTP2StreamID, _ error: RPCError) {
    remove(stream)?.completion(.failure(error))
  }

  private func failAll(_ error: RPCError) {
    for stream in Array(calls.keys) { fail(stream, error) }
  }

  @discardableResult
  private func remove(_ stream: HTTP2StreamID) -> Call? {
    guard let call = calls.removeValue(forKey: stream) else { return nil }
    streams.removeValue(forKey: call.token)
    if draining && calls.isEmpty && !closed { context?.close(promise: nil) }
    return call
  }

  /// gRPC's reading of a stream reset by the server.
  static func error(resetBy code: HTTP2ErrorCode) -> RPCError {
    switch code {
    case .refusedStream: return RPCError(code: .unavailable, message: "the node refused the stream")
    case .cancel: return RPCError(code: .cancelled, message: "the node cancelled the stream")
    case .enhanceYourCalm: return RPCError(code: .resourceExhausted, message: "the node asked to slow down (ENHANCE_YOUR_CALM)")
    default: return RPCError(code: .internalError, message: "the node reset the stream (\(code))")
    }
  }
}
