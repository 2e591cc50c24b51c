/// How a request ends without an answer.
public enum AttemptFailure: Sendable, Equatable {
  /// No node could take the request at all: nothing was sent.
  case noCandidate
  /// The nodes tried refused and the retry budget had no room for another attempt.
  case budgetSpent(attempts: Int, last: AttemptRefusal?)
  /// Every node that could take the request refused it.
  case exhausted(attempts: Int, last: AttemptRefusal?)
  /// The deadline passed before another attempt could start.
  case deadlinePassed(attempts: Int)
  /// A node answered with an error about the request: it is the caller's answer.
  case answeredWithError
  /// The request's caller left: an attempt was cancelled while the request was still open.
  case callerLeft(attempts: Int)
}
