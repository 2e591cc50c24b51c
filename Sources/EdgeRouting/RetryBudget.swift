/// Envoy's retry budget: retries in flight may be at most a share of the requests in flight
/// (20%), but never fewer than a floor (3), so a dying cluster is not hit by every request
/// several times over while a healthy one can still fail over freely.
public struct RetryBudget: Sendable, Equatable {
  public var share: Double
  public var minimum: Int
  public private(set) var activeRequests = 0
  public private(set) var activeRetries = 0

  public init(share: Double = 0.2, minimum: Int = 3) {
    self.share = share
    self.minimum = minimum
  }

  public mutating func requestStarted() { activeRequests += 1 }
  public mutating func requestFinished() { activeRequests = max(0, activeRequests - 1) }

  /// Takes a retry from the budget; false when it is spent.
  public mutating func tryRetry() -> Bool {
    guard activeRetries < max(minimum, Int(share * Double(activeRequests))) else { return false }
    activeRetries += 1
    return true
  }

  public mutating func retryFinished() { activeRetries = max(0, activeRetries - 1) }
}
