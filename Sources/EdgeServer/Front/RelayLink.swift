import NIOCore
import NIOHTTP2
import NIOPosix

/// Relay connections to the process's gRPC server for the front connections of one event loop:
/// each front connection relays over a connection of its own, so a caller that trips one of the
/// server's limits (NIO closes a connection that resets more than 200 streams in 30 s) ends only
/// its own relayed calls. One connection is kept open ahead and handed to the next front
/// connection that needs one: opened at that moment instead, under load, its handshake with the
/// gRPC server took hundreds of milliseconds, enough to fail routers' health checks. Used only on
/// its event loop.
final class RelayLink {
  private let loop: any EventLoop
  private let address: SocketAddress
  /// The connection opened ahead, not yet handed out.
  private var spare: RelayHandler?
  private var channels: [ObjectIdentifier: any Channel] = [:]
  private var stopped = false

  init(loop: any EventLoop, address: SocketAddress) {
    self.loop = loop
    self.address = address
  }

  /// A connection for one front connection's relayed streams (the one opened ahead, and
  /// another is opened ahead for the next). `closed` is called once it takes no more streams.
  func take(closed: @escaping (ObjectIdentifier) -> Void) -> RelayHandler {
    let relay = spare ?? open()
    spare = nil
    if !stopped { spare = open() }
    let handle = ObjectIdentifier(relay)
    let link = NIOLoopBound(self, eventLoop: loop)
    relay.closed = {
      link.value.channels.removeValue(forKey: handle)
      closed(handle)
    }
    return relay
  }

  /// Opens the connection ahead of the first front connection that needs one.
  func warm() {
    guard !stopped, spare == nil else { return }
    spare = open()
  }

  /// Closes the connection of `relay` (its front connection closed).
  func close(_ relay: RelayHandler) {
    relay.abandon()
    channels.removeValue(forKey: ObjectIdentifier(relay))?.close(promise: nil)
  }

  /// Closes every connection (the front has drained: nothing is relayed any more).
  func stop() {
    stopped = true
    spare = nil
    for channel in channels.values { channel.close(promise: nil) }
    channels = [:]
  }

  private func open() -> RelayHandler {
    let relay = RelayHandler()
    let handle = ObjectIdentifier(relay)
    let link = NIOLoopBound(self, eventLoop: loop)
    // A spare that closes before it is handed out is replaced at the next take.
    relay.closed = {
      let link = link.value
      link.channels.removeValue(forKey: handle)
      if let spare = link.spare, ObjectIdentifier(spare) == handle { link.spare = nil }
    }
    let bound = NIOLoopBound(relay, eventLoop: loop)
    ClientBootstrap(group: loop)
      .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(NIOHTTP2Handler(
            mode: .client,
            initialSettings: [
              HTTP2Setting(parameter: .enablePush, value: 0),
              HTTP2Setting(parameter: .maxConcurrentStreams, value: 0),
              HTTP2Setting(parameter: .initialWindowSize, value: 1 << 20),
            ]))
          try channel.pipeline.syncOperations.addHandler(bound.value)
        }
      }
      .connect(to: address)
      .whenComplete { result in
        switch result {
        case .success(let channel):
          let link = link.value
          // Stopped meanwhile, or its front connection already closed it.
          if link.stopped || bound.value.isAbandoned { channel.close(promise: nil) } else { link.channels[handle] = channel }
        case .failure: bound.value.connectFailed()
        }
      }
    return relay
  }
}
