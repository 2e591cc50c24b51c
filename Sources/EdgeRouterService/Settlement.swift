import Synchronization

/// How a request ended, as far as its attempts need to know: ended by the router (answered or
/// failed, set by its attempt loop before it cancels the other attempt, so a late answer to that
/// one is the router's extra, a lost hedge or rescue), or left by its caller before the deadline
/// (a late answer is then work the caller walked away from, and is metered).
final class Settlement: Sendable {
  private let ended = Atomic<Bool>(false)
  private let leftEarly = Atomic<Bool>(false)

  func end() { ended.store(true, ordering: .releasing) }
  var isEnded: Bool { ended.load(ordering: .acquiring) }

  func callerLeftBeforeDeadline() { leftEarly.store(true, ordering: .releasing) }
  /// Whether an answer that came after the caller left is the caller's to pay for.
  var chargesLateAnswers: Bool { !isEnded && leftEarly.load(ordering: .acquiring) }
}
