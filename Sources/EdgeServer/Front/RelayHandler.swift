import EdgeWire
import NIOCore
import NIOHPACK
import NIOHTTP2

/// A connection to the process's own gRPC server (on a private Unix socket), carrying one front
/// connection's streams of every method the front does not answer itself (RelayLink hands it
/// out): each relayed stream gets a stream here, and frames pass both ways as they come. Lives on
/// the front connection's event loop.
final class RelayHandler: ChannelInboundHandler {
  typealias InboundIn = HTTP2Frame
  typealias OutboundOut = HTTP2Frame

  /// A relayed stream's front end: the front connection and its stream.
  private struct FrontStream {
    let connection: FrontConnectionHandler
    let id: HTTP2StreamID
  }

  /// Told when this connection takes no more streams (it closed, failed, or the server sent
  /// GOAWAY): the front connection takes another for its next relayed stream.
  var closed: (() -> Void)?
  /// The server sent GOAWAY (or stream ids ran out): the streams it took finish here, then the
  /// connection closes.
  private var draining = false
  /// The connection could not be made or has closed: nothing more is sent on it.
  private var failed = false
  /// Its front connection closed: the connection is closed as soon as it is made.
  private(set) var isAbandoned = false
  /// Nothing more goes over it: it closed, failed to connect, or was abandoned.
  var isClosed: Bool { failed }

  private var context: ChannelHandlerContext?
  /// This connection's streams, by their id here.
  private var frontStreams: [HTTP2StreamID: FrontStream] = [:]
  /// The id here of each front connection's relayed streams.
  private var relayStreams: [ObjectIdentifier: [HTTP2StreamID: HTTP2StreamID]] = [:]
  private var nextStreamID = HTTP2StreamID(1)
  /// Frames sent before the connection is up (the Unix socket's connect takes a loop turn).
  private var queued: [(FrontStream, HTTP2Frame.FramePayload)] = []
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
    for (front, payload) in waiting { send(payload, from: front.id, of: front.connection) }
  }

  /// Sends a front stream's frame on; a stream's first frame (its request headers) opens it.
  /// On a connection that failed or closed, the stream is refused (UNAVAILABLE, safe to retry).
  func send(_ payload: HTTP2Frame.FramePayload, from id: HTTP2StreamID, of connection: FrontConnectionHandler) {
    guard !failed else { return connection.relayed(.rstStream(.refusedStream), to: id) }
    guard active else { return queued.append((FrontStream(connection: connection, id: id), payload)) }
    guard let context else { return connection.relayed(.rstStream(.refusedStream), to: id) }
    let owner = ObjectIdentifier(connection)
    let stream: HTTP2StreamID
    if let existing = relayStreams[owner]?[id] {
      stream = existing
    } else {
      guard case .headers = payload else { return }
      stream = nextStreamID
      nextStreamID = nextStreamID.advanced(by: 2)
      relayStreams[owner, default: [:]][id] = stream
      frontStreams[stream] = FrontStream(connection: connection, id: id)
      // Stream ids run out after about a billion: the next streams go to a new connection.
      if nextStreamID >= HTTP2StreamID.maxID.advanced(by: -2), !draining {
        draining = true
        closed?()
      }
    }
    context.writeAndFlush(wrapOutboundOut(HTTP2Frame(streamID: stream, payload: payload)), promise: nil)
  }

  /// The front stream was reset or closed before its answer: so is its relayed stream.
  func reset(_ id: HTTP2StreamID, of connection: FrontConnectionHandler) {
    queued.removeAll { $0.0.connection === connection && $0.0.id == id }
    guard let stream = forget(id, of: ObjectIdentifier(connection)) else { return }
    frontStreams.removeValue(forKey: stream)
    context?.writeAndFlush(wrapOutboundOut(HTTP2Frame(streamID: stream, payload: .rstStream(.cancel))), promise: nil)
    closeIfDrained()
  }

  /// Removes a front stream from the map of its connection's streams; its id here.
  private func forget(_ id: HTTP2StreamID, of owner: ObjectIdentifier) -> HTTP2StreamID? {
    guard let stream = relayStreams[owner]?.removeValue(forKey: id) else { return nil }
    if relayStreams[owner]?.isEmpty == true { relayStreams.removeValue(forKey: owner) }
    return stream
  }

  /// Ends the relayed stream `stream` here; its front end, told nothing yet.
  private func end(_ stream: HTTP2StreamID) -> FrontStream? {
    guard let front = frontStreams.removeValue(forKey: stream) else { return nil }
    _ = forget(front.id, of: ObjectIdentifier(front.connection))
    return front
  }

  private func closeIfDrained() {
    if draining, frontStreams.isEmpty { context?.close(promise: nil) }
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
      front.connection.relayed(frame.payload, to: front.id)
    case .headers, .rstStream:
      front.connection.relayed(frame.payload, to: front.id)
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
    for stream in frontStreams.keys where stream > lastStreamID {
      if let front = end(stream) { front.connection.relayed(.rstStream(.refusedStream), to: front.id) }
    }
    if frontStreams.isEmpty { context.close(promise: nil) }
  }

  func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
    if let increment = connectionWindow.increment(after: event) {
      context.writeAndFlush(wrapOutboundOut(HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: increment))), promise: nil)
    }
    if let closedStream = event as? StreamClosedEvent, let front = end(closedStream.streamID) {
      if let reason = closedStream.reason { front.connection.relayed(.rstStream(reason), to: front.id) }
      closeIfDrained()
    }
    context.fireUserInboundEventTriggered(event)
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    if let streamError = error as? NIOHTTP2Errors.StreamError {
      if let front = end(streamError.streamID) { front.connection.relayed(.rstStream(.internalError), to: front.id) }
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
    let fronts = Array(frontStreams.values) + Self.firstFrames(of: queued)
    queued = []
    relayStreams.removeAll()
    frontStreams.removeAll()
    for front in fronts { front.connection.relayed(.rstStream(.refusedStream), to: front.id) }
    self.context = nil
    if !draining { closed?() }
    context.fireChannelInactive()
  }
}

extension RelayHandler {
  /// Its front connection is gone: nothing more is sent, and a connection still being made is
  /// closed when it is.
  func abandon() {
    isAbandoned = true
    failed = true
    queued = []
  }

  /// The connection could not be made: the streams waiting for it end (UNAVAILABLE).
  func connectFailed() {
    failed = true
    let fronts = Self.firstFrames(of: queued)
    queued = []
    for front in fronts { front.connection.relayed(.rstStream(.refusedStream), to: front.id) }
    closed?()
  }

  /// The streams among queued frames, each once (a stream's first queued frame is its headers).
  private static func firstFrames(of queued: [(FrontStream, HTTP2Frame.FramePayload)]) -> [FrontStream] {
    queued.compactMap { front, payload in
      if case .headers = payload { front } else { nil }
    }
  }
}
