import EdgeWire
import NIOCore
import NIOHPACK
import NIOHTTP2

/// The front connection's link to the process's own gRPC server (on a private Unix socket),
/// carrying the streams of every method the front does not answer itself: each relayed stream
/// gets a stream here, and frames pass both ways as they come. Lives on the front connection's
/// event loop, which it shares with its FrontConnectionHandler.
final class RelayHandler: ChannelInboundHandler {
  typealias InboundIn = HTTP2Frame
  typealias OutboundOut = HTTP2Frame

  /// Where the gRPC server's frames for a front stream go.
  var deliver: ((HTTP2StreamID, HTTP2Frame.FramePayload) -> Void)?
  /// Told when this connection takes no more streams (it closed, failed, or the server sent
  /// GOAWAY): the front opens another for its next relayed stream.
  var closed: (() -> Void)?
  /// The server sent GOAWAY (or stream ids ran out): the streams it took finish here, then the
  /// connection closes.
  private var draining = false
  /// The connection could not be made or has closed: nothing more is sent on it.
  private var failed = false

  private var context: ChannelHandlerContext?
  private var frontStreams: [HTTP2StreamID: HTTP2StreamID] = [:]
  private var relayStreams: [HTTP2StreamID: HTTP2StreamID] = [:]
  private var nextStreamID = HTTP2StreamID(1)
  /// Frames sent before the connection is up (the Unix socket's connect takes a loop turn).
  private var queued: [(HTTP2StreamID, HTTP2Frame.FramePayload)] = []
  private var active = false
  private let connectionWindow = ConnectionWindow(target: 8 << 20)

  func handlerAdded(context: ChannelHandlerContext) {
    self.context = context
  }

  func channelActive(context: ChannelHandlerContext) {
    if let increment = connectionWindow.opening {
      context.writeAndFlush(wrapOutboundOut(HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: increment))), promise: nil)
    }
    active = true
    context.fireChannelActive()
    let waiting = queued
    queued = []
    for (front, payload) in waiting { send(payload, from: front) }
  }

  /// Sends a front stream's frame on; a stream's first frame (its request headers) opens it.
  /// On a connection that failed or closed, the stream is refused (UNAVAILABLE, safe to retry).
  func send(_ payload: HTTP2Frame.FramePayload, from front: HTTP2StreamID) {
    guard !failed else { return deliver?(front, .rstStream(.refusedStream)) ?? () }
    guard active else { return queued.append((front, payload)) }
    guard let context else { return deliver?(front, .rstStream(.refusedStream)) ?? () }
    let stream: HTTP2StreamID
    if let existing = relayStreams[front] {
      stream = existing
    } else {
      guard case .headers = payload else { return }
      stream = nextStreamID
      nextStreamID = nextStreamID.advanced(by: 2)
      relayStreams[front] = stream
      frontStreams[stream] = front
      // Stream ids run out after about a billion: the next streams go to a new connection.
      if nextStreamID >= HTTP2StreamID.maxID.advanced(by: -2), !draining {
        draining = true
        closed?()
      }
    }
    context.writeAndFlush(wrapOutboundOut(HTTP2Frame(streamID: stream, payload: payload)), promise: nil)
  }

  /// The front stream was reset or closed before its answer: so is its relayed stream.
  func reset(_ front: HTTP2StreamID) {
    queued.removeAll { $0.0 == front }
    guard let stream = relayStreams.removeValue(forKey: front) else { return }
    frontStreams.removeValue(forKey: stream)
    context?.writeAndFlush(wrapOutboundOut(HTTP2Frame(streamID: stream, payload: .rstStream(.cancel))), promise: nil)
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let frame = unwrapInboundIn(data)
    if case .goAway(let lastStreamID, _, _) = frame.payload {
      return serverGoingAway(lastStreamID: lastStreamID, context: context)
    }
    guard let front = frontStreams[frame.streamID] else { return }
    switch frame.payload {
    case .data(let payload):
      // Credit the stream at once: the front's caller is the one to hold back (the connection
      // is kept open from NIO's reports, userInboundEventTriggered).
      let length = payload.data.readableBytes + (payload.paddingBytes ?? 0)
      if !payload.endStream, length > 0 {
        context.writeAndFlush(wrapOutboundOut(HTTP2Frame(streamID: frame.streamID, payload: .windowUpdate(windowSizeIncrement: length))), promise: nil)
      }
      deliver?(front, frame.payload)
    case .headers, .rstStream:
      deliver?(front, frame.payload)
    default:
      break
    }
  }

  /// The server is going away (its drain, or a limit of its own): streams it did not take end
  /// as refused (UNAVAILABLE, safe to retry), the rest finish, and new ones go elsewhere.
  private func serverGoingAway(lastStreamID: HTTP2StreamID, context: ChannelHandlerContext) {
    if !draining {
      draining = true
      closed?()
    }
    for (stream, front) in frontStreams where stream > lastStreamID {
      frontStreams.removeValue(forKey: stream)
      relayStreams.removeValue(forKey: front)
      deliver?(front, .rstStream(.refusedStream))
    }
    if frontStreams.isEmpty { context.close(promise: nil) }
  }

  func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
    if let increment = connectionWindow.increment(after: event) {
      context.writeAndFlush(wrapOutboundOut(HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: increment))), promise: nil)
    }
    if let closedStream = event as? StreamClosedEvent, let front = frontStreams.removeValue(forKey: closedStream.streamID) {
      relayStreams.removeValue(forKey: front)
      if let reason = closedStream.reason { deliver?(front, .rstStream(reason)) }
      if draining, frontStreams.isEmpty { context.close(promise: nil) }
    }
    context.fireUserInboundEventTriggered(event)
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    if let streamError = error as? NIOHTTP2Errors.StreamError {
      if let front = frontStreams.removeValue(forKey: streamError.streamID) {
        relayStreams.removeValue(forKey: front)
        deliver?(front, .rstStream(.internalError))
      }
      return
    }
    // Any other HTTP/2 error is NIO's to act on: an inbound stream error arrives bare, after
    // NIO has reset that stream alone (its StreamClosedEvent ends the call), and a connection
    // error is followed by NIO's GOAWAY and close. Only TLS and I/O failures end the connection
    // here.
    if error is any NIOHTTP2Error { return }
    context.close(promise: nil)
  }

  func channelInactive(context: ChannelHandlerContext) {
    active = false
    failed = true
    var fronts = Set(relayStreams.keys)
    for (front, _) in queued { fronts.insert(front) }
    queued = []
    for front in fronts { deliver?(front, .rstStream(.refusedStream)) }
    relayStreams.removeAll()
    frontStreams.removeAll()
    self.context = nil
    if !draining { closed?() }
    context.fireChannelInactive()
  }
}

extension RelayHandler {
  /// The connection could not be made: the streams waiting for it end (UNAVAILABLE).
  func connectFailed() {
    failed = true
    let fronts = Set(queued.map(\.0))
    queued = []
    for front in fronts { deliver?(front, .rstStream(.refusedStream)) }
    closed?()
  }
}
