public import NIOHTTP2

/// The inbound flow-control window of an HTTP/2 connection whose frames a handler reads
/// directly (no stream channels to credit it). NIO counts every DATA byte against it, the bytes
/// of frames it drops for streams already closed too, which no handler sees, and reports the
/// window after every change (`NIOHTTP2WindowUpdatedEvent` for the root stream); counting bytes
/// in the handler would leak those dropped ones until the connection stalls. This tops the
/// window up to `target` whenever it falls below half.
package struct ConnectionWindow: Sendable {
  package let target: Int

  package init(target: Int) {
    self.target = target
  }

  /// The WINDOW_UPDATE to open with: HTTP/2 starts every connection at 65,535 bytes.
  package var opening: Int? { target > 65_535 ? target - 65_535 : nil }

  /// The WINDOW_UPDATE to send after `event`, if it reports the window below half.
  package func increment(after event: Any) -> Int? {
    guard let update = event as? NIOHTTP2WindowUpdatedEvent, update.streamID == .rootStream,
      let size = update.inboundWindowSize, size < target / 2
    else { return nil }
    return target - size
  }
}
