import NIOCore
import NIOHPACK
import NIOHTTP2

/// Answers each stream once its request has ended: response headers, one length-prefixed
/// message (field 1, `live`, true), and OK trailers, flushed together.
final class UnaryFloorHandler: ChannelInboundHandler {
  typealias InboundIn = HTTP2Frame
  typealias OutboundOut = HTTP2Frame

  private static let responseHeaders = HPACKHeaders([(":status", "200"), ("content-type", "application/grpc")])
  private static let trailers = HPACKHeaders([("grpc-status", "0")])
  private static let message: [UInt8] = [0, 0, 0, 0, 2, 0x08, 0x01]
  /// Request bytes received since the connection's window was last opened again.
  private var unacknowledged = 0

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let frame = unwrapInboundIn(data)
    switch frame.payload {
    case .headers(let headers) where headers.endStream:
      answer(frame.streamID, context: context)
    case .data(let payload):
      unacknowledged += payload.data.readableBytes
      if unacknowledged >= 16384 {
        context.write(wrapOutboundOut(HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: unacknowledged))), promise: nil)
        unacknowledged = 0
      }
      if payload.endStream { answer(frame.streamID, context: context) }
    default:
      break
    }
  }

  private func answer(_ stream: HTTP2StreamID, context: ChannelHandlerContext) {
    context.write(wrapOutboundOut(HTTP2Frame(streamID: stream, payload: .headers(.init(headers: Self.responseHeaders)))), promise: nil)
    var body = context.channel.allocator.buffer(capacity: Self.message.count)
    body.writeBytes(Self.message)
    context.write(wrapOutboundOut(HTTP2Frame(streamID: stream, payload: .data(.init(data: .byteBuffer(body))))), promise: nil)
    context.writeAndFlush(wrapOutboundOut(HTTP2Frame(streamID: stream, payload: .headers(.init(headers: Self.trailers, endStream: true)))), promise: nil)
  }
}
