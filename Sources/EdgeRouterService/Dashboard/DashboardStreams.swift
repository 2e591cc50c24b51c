import Synchronization

/// The dashboard's open event streams, bounded: a slot is taken when a stream is granted and
/// given back when the slot is released, whether its stream ran and ended or its response was
/// thrown away unsent (a HEAD request, a client gone before the header).
final class DashboardStreams: Sendable {
  let limit: Int
  private let open = Atomic<Int>(0)

  init(limit: Int) {
    self.limit = limit
  }

  /// A slot, or nil when `limit` streams are open.
  func take() -> Slot? {
    guard open.add(1, ordering: .relaxed).newValue <= limit else {
      open.subtract(1, ordering: .relaxed)
      return nil
    }
    return Slot(streams: self)
  }

  fileprivate func release() {
    open.subtract(1, ordering: .relaxed)
  }

  /// One open stream's place: given back when the last reference to it goes.
  final class Slot: Sendable {
    private let streams: DashboardStreams

    fileprivate init(streams: DashboardStreams) {
      self.streams = streams
    }

    deinit {
      streams.release()
    }
  }
}
