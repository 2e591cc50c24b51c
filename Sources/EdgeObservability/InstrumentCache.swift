import Synchronization

/// Instruments made once per label set and kept, so recording costs a lookup under a lock and
/// the registry's own atomics, not a registry search per request. Keys come from repositories,
/// registrations and fixed causes, never from a request; `forget` drops those no longer wanted
/// (a departed node) and hands them back to be destroyed.
public final class InstrumentCache<Key: Hashable & Sendable, Instrument: Sendable>: Sendable {
  private let made = Mutex<[Key: Instrument]>([:])
  private let make: @Sendable (Key) -> Instrument

  public init(_ make: @escaping @Sendable (Key) -> Instrument) {
    self.make = make
  }

  public subscript(key: Key) -> Instrument {
    made.withLock { made in
      if let instrument = made[key] { return instrument }
      let instrument = make(key)
      made[key] = instrument
      return instrument
    }
  }

  /// Removes the instruments whose keys `drop` picks and returns them.
  public func forget(where drop: (Key) -> Bool) -> [Instrument] {
    made.withLock { made in
      let gone = made.filter { drop($0.key) }
      for key in gone.keys { made[key] = nil }
      return Array(gone.values)
    }
  }
}
