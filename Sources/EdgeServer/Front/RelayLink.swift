import NIOCore
import NIOHTTP2
import NIOPosix

/// The relay connection of one event loop: every front connection on that loop relays its
/// streams over it to the process's gRPC server. It is opened when the front starts and kept,
/// so a relayed call never waits for a connection (under load, a new connection's handshake
/// with the gRPC server took hundreds of milliseconds, enough to fail routers' health checks).
/// A connection that closes, fails or is drained by the server is replaced at the next stream.
/// Used only on its event loop.
final class RelayLink {
  private let loop: any EventLoop
  private let address: SocketAddress
  private var current: RelayHandler?
  private var channels: [any Channel] = []
  private var stopped = false

  init(loop: any EventLoop, address: SocketAddress) {
    self.loop = loop
    self.address = address
  }

  /// The connection to relay a new stream on (opened if there is none).
  func handler() -> RelayHandler {
    if let current { return current }
    let relay = RelayHandler()
    let link = NIOLoopBound(self, eventLoop: loop)
    let handle = ObjectIdentifier(relay)
    relay.closed = { link.value.closed(handle) }
    current = relay
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
          if link.stopped { channel.close(promise: nil) } else { link.channels.append(channel) }
        case .failure: bound.value.connectFailed()
        }
      }
    return relay
  }

  /// Opens the connection ahead of the first relayed stream.
  func warm() {
    guard !stopped else { return }
    _ = handler()
  }

  /// Closes the connections (the front has drained: no stream is relayed any more).
  func stop() {
    stopped = true
    current = nil
    for channel in channels { channel.close(promise: nil) }
    channels = []
  }

  private func closed(_ handle: ObjectIdentifier) {
    if let current, ObjectIdentifier(current) == handle { self.current = nil }
    channels.removeAll { !$0.isActive }
  }
}
