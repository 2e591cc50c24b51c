/// What the plan asks its driver to do next.
public enum AttemptDecision: Sendable, Equatable {
  /// Start an attempt on the best node not yet tried (a retry, hedge or rescue within the retry
  /// budget), and report `.launched` or `.blocked`.
  case launch(AttemptKind)
  /// Nothing to do until an attempt ends or `nextWake` comes.
  case wait
  /// This node's answer is the request's: cancel every other attempt.
  case answer(node: String)
  /// The request ends without an answer: cancel every other attempt.
  case fail(AttemptFailure)
}
