import EdgeWire
import GRPCCore
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import NIOSSL
import NIOTLS
import SwiftASN1
import X509

/// One client connection to the front: the streams of the methods it answers itself are read
/// from the connection's frames and answered on them (no stream channel, no gRPC server
/// machinery per call); every other stream is relayed to the process's gRPC server over a
/// relay connection of its own (RelayLink hands out one opened ahead).
final class FrontConnectionHandler: ChannelInboundHandler {
  typealias InboundIn = HTTP2Frame
  typealias OutboundOut = HTTP2Frame

  struct Settings {
    var routes: [String: FrontRoute]
    var maxRequestBytes: Int
    /// Request bytes one connection may hold for calls still arriving.
    var maxBufferedBytes: Int
    /// The relay connections of each event loop (by the loop's identity), for relayed methods.
    var relayLinks: [ObjectIdentifier: NIOLoopBound<RelayLink>]
    /// Stream and connection windows granted to the caller.
    var streamWindow: Int
    var connectionWindow: Int
    /// Callers present a certificate (mutual TLS) whose names the checks use.
    var readsCallerCertificate = false
  }

  /// A call to a route, from its admitted headers to its answer.
  private struct NativeCall {
    let route: FrontRoute
    let caller: Caller
    let metadata: Metadata
    let peerNames: [String]?
    /// The request so far, until it is whole.
    var body: ByteBuffer?
    /// The task answering it, once the request is whole.
    var task: Task<Void, Never>?
  }

  private enum Stream {
    case native(NativeCall)
    /// Relayed on this relay connection.
    case relayed(RelayHandler)
  }

  private let settings: Settings
  private var context: ChannelHandlerContext?
  private var streams: [HTTP2StreamID: Stream] = [:]
  /// Request bytes held for calls still arriving (bounded by Settings.maxBufferedBytes).
  private var buffered = 0
  /// Streams whose answer is written but may still wait in NIO's flow-control buffer for the
  /// caller's window: a drain closes the connection only once NIO reports them closed.
  private var closing: Set<HTTP2StreamID> = []
  /// The relay connection new relayed streams go to.
  private var relay: RelayHandler?
  /// Every relay connection this connection took (one the server drains finishes its streams
  /// beside the current one), closed with it.
  private var relays: [RelayHandler] = []
  private let connectionWindow: ConnectionWindow
  private var peer = ""
  /// The caller's certificate names, read when the TLS handshake completed.
  private var peerNames: [String]??
  /// The listener is draining: GOAWAY sent, the connection closes once its streams are done.
  private var draining = false
  /// The highest stream the caller opened: the last one a drain lets finish.
  private var lastStreamID = HTTP2StreamID(0)

  init(settings: Settings) {
    self.settings = settings
    self.connectionWindow = ConnectionWindow(target: settings.connectionWindow)
  }

  func handlerAdded(context: ChannelHandlerContext) {
    self.context = context
    if !settings.readsCallerCertificate { peerNames = .some(nil) }
    peer = Self.describe(context.channel.remoteAddress)
  }

  func channelActive(context: ChannelHandlerContext) {
    peer = Self.describe(context.channel.remoteAddress)
    if let increment = connectionWindow.opening {
      context.writeAndFlush(wrapOutboundOut(HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: increment))), promise: nil)
    }
    context.fireChannelActive()
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let frame = unwrapInboundIn(data)
    let id = frame.streamID
    switch frame.payload {
    case .headers(let headers):
      switch streams[id] {
      case nil:
        open(id, headers: headers, context: context)
      case .native(let call) where call.task == nil:
        // Trailers from the caller end its request.
        if headers.endStream { dispatch(id, call) }
      case .native:
        break
      case .relayed(let relay):
        relay.send(frame.payload, from: id, of: self)
      }
    case .data(let payload):
      let length = payload.data.readableBytes + (payload.paddingBytes ?? 0)
      credit(id, length: length, streamOpen: !payload.endStream, context: context)
      switch streams[id] {
      case .native(var call) where call.task == nil:
        guard case .byteBuffer(var bytes) = payload.data else { return }
        let held = call.body?.readableBytes ?? 0
        if held + bytes.readableBytes > settings.maxRequestBytes + 5 {
          release(id)
          return refuse(id, RPCError(code: .resourceExhausted, message: "the request exceeds \(settings.maxRequestBytes) bytes"), reset: true)
        }
        if buffered + bytes.readableBytes > settings.maxBufferedBytes {
          release(id)
          return refuse(
            id, RPCError(code: .resourceExhausted, message: "more than \(settings.maxBufferedBytes) bytes of requests are arriving on this connection"),
            reset: true)
        }
        buffered += bytes.readableBytes
        if call.body == nil { call.body = bytes } else { call.body!.writeBuffer(&bytes) }
        if payload.endStream {
          dispatch(id, call)
        } else {
          streams[id] = .native(call)
        }
      case .relayed(let relay):
        relay.send(frame.payload, from: id, of: self)
      case .native, nil:
        break
      }
    case .rstStream:
      end(id)
    default:
      break
    }
  }

  func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
    if settings.readsCallerCertificate, case .handshakeCompleted(_)? = event as? TLSUserEvent {
      // Kept only when readable: an unreadable certificate stays unknown, and its streams are refused.
      if let names = readCallerNames(context: context) { peerNames = .some(names) }
    }
    if let increment = connectionWindow.increment(after: event) {
      context.writeAndFlush(wrapOutboundOut(HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: increment))), promise: nil)
    }
    if let closed = event as? StreamClosedEvent {
      closing.remove(closed.streamID)
      if closed.reason != nil { end(closed.streamID) } else { closeIfDone() }
    }
    context.fireUserInboundEventTriggered(event)
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    if let streamError = error as? NIOHTTP2Errors.StreamError {
      end(streamError.streamID)
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
    for id in Array(streams.keys) { end(id) }
    if let link = settings.relayLinks[ObjectIdentifier(context.eventLoop)]?.value {
      for relay in relays { link.close(relay) }
    }
    relays = []
    relay = nil
    self.context = nil
    context.fireChannelInactive()
  }

  /// Stops taking new streams: GOAWAY now, the connection closes when its streams are done.
  func drain() {
    guard let context, !draining else { return }
    draining = true
    context.writeAndFlush(
      wrapOutboundOut(HTTP2Frame(streamID: .rootStream, payload: .goAway(lastStreamID: lastStreamID, errorCode: .noError, opaqueData: nil))),
      promise: nil)
    closeIfDone()
  }

  // MARK: - Streams

  private func open(_ id: HTTP2StreamID, headers: HTTP2Frame.FramePayload.Headers, context: ChannelHandlerContext) {
    guard !draining else {
      // Past the drain's GOAWAY: refused, so the caller may retry it elsewhere.
      context.writeAndFlush(wrapOutboundOut(HTTP2Frame(streamID: id, payload: .rstStream(.refusedStream))), promise: nil)
      return
    }
    lastStreamID = max(lastStreamID, id)
    let path = headers.headers.first(name: ":path") ?? ""
    guard let names = callerNames(context: context) else {
      // Mutual TLS without a readable certificate: never run as anonymous.
      return refuse(
        id, RPCError(code: .unauthenticated, message: "the certificate presented could not be read"), reset: !headers.endStream)
    }
    guard let route = settings.routes[path] else {
      // Not answered here: the process's gRPC server answers, told who called (whatever the
      // caller wrote in these fields itself is dropped).
      var relayed = headers
      relayed.headers.remove(name: FrontListener.peerKey)
      relayed.headers.remove(name: PeerNames.relayedKey)
      relayed.headers.add(name: FrontListener.peerKey, value: peer)
      if let names { relayed.headers.add(name: PeerNames.relayedKey, value: names.joined(separator: ",")) }
      guard let relay = relay ?? takeRelay(context: context) else {
        return refuse(id, RPCError(code: .unavailable, message: "this call cannot be relayed"), reset: !headers.endStream)
      }
      streams[id] = .relayed(relay)
      relay.send(.headers(relayed), from: id, of: self)
      return
    }
    guard headers.headers.first(name: ":method") == "POST",
      headers.headers.first(name: "content-type")?.hasPrefix("application/grpc") == true
    else {
      return refuse(id, RPCError(code: .invalidArgument, message: "not a gRPC request"), reset: !headers.endStream)
    }
    if let encoding = headers.headers.first(name: "grpc-encoding"), encoding != "identity" {
      return refuse(id, RPCError(code: .unimplemented, message: "compression '\(encoding)' is not supported"), reset: !headers.endStream)
    }
    let metadata = GRPCFrames.metadata(of: headers.headers)
    // The access check runs on the headers: a caller it refuses never has a byte of its body held.
    let caller: Caller
    do {
      caller = try route.admit(
        FrontCall(descriptor: Self.descriptor(route.path), message: [], metadata: metadata, peer: peer, peerNames: names))
    } catch {
      return refuse(id, error as? RPCError ?? RPCError(code: .permissionDenied, message: "\(error)"), reset: !headers.endStream)
    }
    let call = NativeCall(route: route, caller: caller, metadata: metadata, peerNames: names)
    if headers.endStream {
      dispatch(id, call)
    } else {
      streams[id] = .native(call)
    }
  }

  /// Lets go of a call still arriving: its held bytes no longer count against the connection.
  private func release(_ id: HTTP2StreamID) {
    if case .native(let call)? = streams.removeValue(forKey: id) { buffered -= call.body?.readableBytes ?? 0 }
  }

  /// The request is whole: runs the route in a task and answers on the stream when it is done.
  private func dispatch(_ id: HTTP2StreamID, _ native: NativeCall) {
    guard let context else { return }
    buffered -= native.body?.readableBytes ?? 0
    let route = native.route
    let caller = native.caller
    guard var body = native.body, body.readableBytes >= 5, let compressed = body.readInteger(as: UInt8.self),
      let length = body.readInteger(as: UInt32.self), Int(length) == body.readableBytes
    else {
      streams.removeValue(forKey: id)
      return refuse(id, RPCError(code: .internalError, message: "the request is not one gRPC message"), reset: false)
    }
    guard compressed == 0 else {
      streams.removeValue(forKey: id)
      return refuse(id, RPCError(code: .unimplemented, message: "compressed messages are not supported"), reset: false)
    }
    let call = FrontCall(
      descriptor: Self.descriptor(route.path), message: body.readBytes(length: Int(length)) ?? [], metadata: native.metadata, peer: peer,
      peerNames: native.peerNames)
    let loop = context.eventLoop
    let handler = NIOLoopBound(self, eventLoop: loop)
    let task = Task {
      let result: Result<[UInt8], RPCError>
      do {
        result = .success(try await route.handle(call, caller))
      } catch let error as RPCError {
        result = .failure(error)
      } catch is CancellationError {
        result = .failure(RPCError(code: .cancelled, message: "the call was cancelled"))
      } catch {
        result = .failure(RPCError(code: .unknown, message: "\(error)"))
      }
      loop.execute { handler.value.answer(id, result) }
    }
    var running = native
    running.body = nil
    running.task = task
    streams[id] = .native(running)
  }

  private func answer(_ id: HTTP2StreamID, _ result: Result<[UInt8], RPCError>) {
    guard case .native(let call)? = streams.removeValue(forKey: id), call.task != nil, let context else { return closeIfDone() }
    // Marked before the last frame is written: NIO reports the stream closed from inside that write.
    closing.insert(id)
    switch result {
    case .success(let message):
      var body = context.channel.allocator.buffer(capacity: 5 + message.count)
      body.writeInteger(UInt8(0))
      body.writeInteger(UInt32(message.count))
      body.writeBytes(message)
      context.write(wrapOutboundOut(HTTP2Frame(streamID: id, payload: .headers(.init(headers: GRPCFrames.responseHead)))), promise: nil)
      context.write(wrapOutboundOut(HTTP2Frame(streamID: id, payload: .data(.init(data: .byteBuffer(body))))), promise: nil)
      context.writeAndFlush(
        wrapOutboundOut(HTTP2Frame(streamID: id, payload: .headers(.init(headers: GRPCFrames.okTrailers, endStream: true)))), promise: nil)
    case .failure(let error):
      refuse(id, error, reset: false)
    }
    closeIfDone()
  }

  /// Ends a call with `error` as its status; with `reset`, also ends the caller's side (its
  /// request was still arriving).
  private func refuse(_ id: HTTP2StreamID, _ error: RPCError, reset: Bool) {
    guard let context else { return }
    context.write(
      wrapOutboundOut(HTTP2Frame(streamID: id, payload: .headers(.init(headers: GRPCFrames.trailersOnly(error), endStream: true)))),
      promise: nil)
    if reset { context.write(wrapOutboundOut(HTTP2Frame(streamID: id, payload: .rstStream(.noError))), promise: nil) }
    context.flush()
  }

  /// The caller reset the stream or it failed: a running call is cancelled, a relayed one reset.
  private func end(_ id: HTTP2StreamID) {
    switch streams.removeValue(forKey: id) {
    case .native(let call):
      call.task?.cancel()
      buffered -= call.body?.readableBytes ?? 0
    case .relayed(let relay): relay.reset(id, of: self)
    case nil: break
    }
    closeIfDone()
  }

  private func closeIfDone() {
    guard draining, streams.isEmpty, closing.isEmpty, let context else { return }
    // On the next turn of the loop: NIO reports a stream closed from inside the write of its
    // last frame, before that frame is flushed.
    let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
    context.eventLoop.execute {
      let front = handler.value
      if front.streams.isEmpty, front.closing.isEmpty { front.context?.close(promise: nil) }
    }
  }

  /// Credits the stream of an open request for bytes taken off the connection (the
  /// connection's window is kept open from NIO's reports, userInboundEventTriggered).
  private func credit(_ id: HTTP2StreamID, length: Int, streamOpen: Bool, context: ChannelHandlerContext) {
    guard length > 0, streamOpen else { return }
    context.writeAndFlush(wrapOutboundOut(HTTP2Frame(streamID: id, payload: .windowUpdate(windowSizeIncrement: length))), promise: nil)
  }

  // MARK: - Relay

  private func takeRelay(context: ChannelHandlerContext) -> RelayHandler? {
    guard let link = settings.relayLinks[ObjectIdentifier(context.eventLoop)]?.value else { return nil }
    let front = NIOLoopBound(self, eventLoop: context.eventLoop)
    let relay = link.take { handle in front.value.relayClosed(handle) }
    self.relay = relay
    relays.append(relay)
    return relay
  }

  /// A relay connection takes no more streams: the next relayed stream takes another.
  private func relayClosed(_ handle: ObjectIdentifier) {
    if let relay, ObjectIdentifier(relay) == handle { self.relay = nil }
    relays.removeAll(where: \.isClosed)
  }

  /// A frame of the gRPC server's answer on a relayed stream.
  func relayed(_ payload: HTTP2Frame.FramePayload, to id: HTTP2StreamID) {
    guard case .relayed = streams[id], let context else { return }
    var ends = false
    switch payload {
    case .headers(let headers): ends = headers.endStream
    case .data(let data): ends = data.endStream
    case .rstStream: ends = true
    default: break
    }
    if ends {
      streams.removeValue(forKey: id)
      // Marked before the last frame is written: NIO reports the stream closed from inside that write.
      closing.insert(id)
    }
    context.writeAndFlush(wrapOutboundOut(HTTP2Frame(streamID: id, payload: payload)), promise: nil)
    if ends { closeIfDone() }
  }

  // MARK: - Naming

  /// The DNS names of the certificate the caller presented: `.some(nil)` on a listener that
  /// asks for none, nil (refused) where one is required but cannot be read. NIOSSL reports the
  /// handshake done before it passes on any byte of the caller's, so the names are known at
  /// every stream.
  private func callerNames(context: ChannelHandlerContext) -> [String]?? {
    if let known = peerNames { return known }
    return readCallerNames(context: context).map { .some($0) }
  }

  private func readCallerNames(context: ChannelHandlerContext) -> [String]? {
    guard let tls = try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self),
      let presented = tls.peerCertificate, let der = try? presented.toDERBytes(),
      let certificate = try? Certificate(derEncoded: der)
    else { return nil }
    return PeerNames.of(certificate)
  }

  private static func descriptor(_ path: String) -> MethodDescriptor {
    let parts = path.dropFirst().split(separator: "/", maxSplits: 1)
    return MethodDescriptor(
      fullyQualifiedService: String(parts.first ?? ""), method: String(parts.count > 1 ? parts[1] : ""))
  }

  /// A peer as gRPC describes it.
  static func describe(_ address: SocketAddress?) -> String {
    switch address {
    case .v4(let v4)?: return "ipv4:\(v4.host):\(address!.port ?? 0)"
    case .v6(let v6)?: return "ipv6:[\(v6.host)]:\(address!.port ?? 0)"
    case .unixDomainSocket(let path)?: return "unix:\(path)"
    case nil: return ""
    }
  }
}
