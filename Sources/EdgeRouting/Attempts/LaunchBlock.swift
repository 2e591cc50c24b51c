/// Why an attempt the plan asked for could not start.
public enum LaunchBlock: Sendable, Equatable {
  /// The router's retry budget had no room (retries, hedges and rescues only).
  case budgetSpent
  /// No node that may take the request is left untried.
  case noCandidate
  /// The request's deadline has passed.
  case deadlinePassed
}
